import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';

/**
 * A Powertools logger that appends its JSON lines to a file instead of stdout: the local
 * platform's dispatcher writes what it would write to CloudWatch Logs there, for
 * `npm run trace -- --log-file` to read. The file starts empty.
 */
export class FileLogger extends Logger {
  constructor(
    private readonly file: string,
    options: ConstructorParameters<typeof Logger>[0] = {},
  ) {
    super(options);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
  }

  protected override printLog(_logLevel: number, log: Parameters<Logger['printLog']>[1]): void {
    this.append(JSON.stringify(log.getAttributes()));
  }

  /** One line as it is (an embedded-metric-format document, say), as Lambda writes stdout to the log group. */
  append(line: string): void {
    appendFileSync(this.file, `${line}\n`);
  }
}
