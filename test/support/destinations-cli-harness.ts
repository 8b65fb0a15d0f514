import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CliIo, runCli } from '../../bin/cli-kit';
import { createDestinationsCli, type DestinationsCliDependencies } from '../../bin/destinations/main';
import type { Terminal } from '../../bin/destinations/terminal';

/** A request as the fake API received it. */
export interface RecordedRequest {
  readonly method: string;
  /** The path without the stage prefix: `/v1/workspaces/acme/destinations`. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

export interface CannedAnswer {
  readonly status?: number;
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
}

type Answer = CannedAnswer | ((request: RecordedRequest) => CannedAnswer);

/**
 * The control-plane API as a loopback `node:http` server behind a stage path (`/prod`, as API
 * Gateway serves it): it records every request and answers the canned JSON set for its method and
 * path, else 404 RouteNotFound.
 */
export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  private readonly answers = new Map<string, Answer>();
  private server?: http.Server;

  constructor(private readonly stage = '/prod') {}

  on(method: string, path: string, answer: Answer): this {
    this.answers.set(`${method} ${path}`, answer);
    return this;
  }

  /** The stage URL, with a trailing slash as CloudFormation outputs give it. */
  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        const text = Buffer.concat(chunks).toString('utf8');
        const recorded: RecordedRequest = {
          method: request.method ?? 'GET',
          path: url.pathname.startsWith(this.stage) ? url.pathname.slice(this.stage.length) : url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: request.headers,
          body: text === '' ? undefined : JSON.parse(text),
        };
        this.requests.push(recorded);
        const found = this.answers.get(`${recorded.method} ${recorded.path}`);
        const answer = (typeof found === 'function' ? found(recorded) : found) ?? {
          status: 404,
          json: {
            code: 'RouteNotFound',
            message: `no route ${recorded.method} ${recorded.path}`,
            requestId: 'r-404',
          },
        };
        const status = answer.status ?? 200;
        const body = answer.json === undefined ? '' : JSON.stringify(answer.json);
        response.writeHead(status, {
          ...(body !== '' && { 'content-type': 'application/json' }),
          ...answer.headers,
        });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.stage}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A terminal with a person typing `answers` (interactive), or `answers` piped in. */
export function fakeTerminal(
  answers: string[],
  interactive = false,
): Terminal & { said: string[]; asked: string[] } {
  const said: string[] = [];
  const asked: string[] = [];
  return {
    interactive,
    said,
    asked,
    read: async (question) => {
      asked.push(question);
      return answers.shift();
    },
    say: (text) => {
      said.push(text);
    },
  };
}

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm run destinations -- …argv` in this process, with `env` and no terminal. */
export async function runDestinations(
  argv: string[],
  dependencies: Partial<DestinationsCliDependencies> & { env: Record<string, string | undefined> },
): Promise<CliRun> {
  const printed = { status: -1, stdout: '', stderr: '' };
  const io: CliIo = {
    argv,
    env: {},
    write: async (to, text) => {
      printed[to] += text;
    },
    exit: (code) => {
      printed.status = code;
    },
  };
  await runCli(createDestinationsCli({ terminal: () => fakeTerminal([]), ...dependencies }), io);
  return printed;
}
