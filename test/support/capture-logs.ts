import { Logger } from '@aws-lambda-powertools/logger';

/** A Powertools logger at DEBUG whose every line (stdout and stderr) is kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: () => string[]; restore: () => void } {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  const logger = new Logger({ serviceName: 'test', logLevel: 'DEBUG' });
  return {
    logger,
    lines: () => written.join('').split('\n').filter(Boolean),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
