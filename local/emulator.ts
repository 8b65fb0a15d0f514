import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** moto is installed into a project-local virtualenv only where no importable moto exists. */
export const MOTO_REQUIREMENT = 'moto[server]==5.2.1';
const VENV = path.join(__dirname, '..', '.venv');
const READY_TIMEOUT_MS = 30_000;

export interface Emulator {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const canImportMoto = (python: string): boolean => {
  try {
    execFileSync(python, ['-c', 'import moto.server, flask, werkzeug'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** The Python that can run moto's server: the system one if it has moto, else the project's virtualenv. */
export function motoPython(log: (line: string) => void = () => {}): string {
  const system = process.env.PYTHON ?? 'python3';
  try {
    execFileSync(system, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `Python 3 was not found (tried "${system}"). The local AWS emulator (moto) needs it: install Python 3.9 or later, or set PYTHON to its path.`,
    );
  }
  if (canImportMoto(system)) return system;
  const venvPython = path.join(VENV, 'bin', 'python');
  if (existsSync(venvPython) && canImportMoto(venvPython)) return venvPython;
  log(`moto not found; installing ${MOTO_REQUIREMENT} into ${VENV} (once)`);
  execFileSync(system, ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(venvPython, ['-m', 'pip', 'install', '--quiet', MOTO_REQUIREMENT], { stdio: 'inherit' });
  return venvPython;
}

/** Starts moto in server mode on 127.0.0.1 and a free port; resolves once it answers. */
export async function startEmulator(options: { log?: (line: string) => void } = {}): Promise<Emulator> {
  const python = motoPython(options.log);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto's server, without a log line per request (they cost the emulator CPU), unless asked for.
  const requestLogLevel = process.env.EMULATOR_LOG_DIR ? 'INFO' : 'WARNING';
  const launcher = [
    'import functools, logging, sys',
    `logging.getLogger('werkzeug').setLevel(logging.${requestLogLevel})`,
    // moto's EventBridge builds a JSONPath parser for every path of every event it routes to a
    // target (about 0.3 s per event on this machine): the parsed paths, the same few, are cached.
    'try:',
    '    import jsonpath_ng.ext',
    '    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=256)(jsonpath_ng.ext.parse)',
    'except ImportError:',
    '    pass',
    // DynamoDB applies a conditional write atomically; moto checks the condition, then writes, in
    // threads that may interleave: two consumers taking the same event at once could both pass
    // an idempotency record's attribute_not_exists. Writes are made one at a time, as in DynamoDB.
    'import threading',
    'from moto.dynamodb.models import DynamoDBBackend',
    '_writes = threading.RLock()',
    'def _one_at_a_time(write):',
    '    def locked(self, *args, **kwargs):',
    '        with _writes:',
    '            return write(self, *args, **kwargs)',
    '    return locked',
    "for _name in ('put_item', 'update_item', 'delete_item', 'transact_write_items'):",
    '    setattr(DynamoDBBackend, _name, _one_at_a_time(getattr(DynamoDBBackend, _name)))',
    'from moto.server import main',
    'sys.exit(main(sys.argv[1:]))',
  ].join('\n');
  const child: ChildProcess = spawn(python, ['-c', launcher, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  // EMULATOR_LOG_DIR keeps each emulator's request log, for looking into a slow or failing run.
  const logFile = process.env.EMULATOR_LOG_DIR
    ? path.join(process.env.EMULATOR_LOG_DIR, `moto-${port}.log`)
    : undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (logFile) appendFileSync(logFile, chunk);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
    });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto exited with code ${child.exitCode}: ${stderr.trim()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`moto did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000}s: ${stderr.trim()}`);
}
