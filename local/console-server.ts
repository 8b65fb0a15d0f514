import { readFile, stat } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { consoleCacheControl, consoleSecurityHeaders } from '../lib/constructs/console-security-headers';

/** The console's build, as `npm run build -w console` leaves it. */
export const CONSOLE_DIST = path.resolve(__dirname, '..', 'console', 'dist');

/** What the console reads from `/config.json`: deployed, the stack's outputs; here, the local runtime's. */
export interface ConsoleRuntimeConfig {
  readonly apiUrl: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** The emulator: Cognito's sign-in calls go to it. */
  readonly cognitoEndpoint: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

/**
 * Serves the built console on a loopback port as CloudFront serves it from its bucket: the files,
 * `index.html` for any other path (the single-page app's routes), `config.json` written from the
 * running platform, and the deployed security headers. Started before the API, so the API can be
 * told the console's origin; configured once the API is up.
 */
export class LocalConsoleServer {
  private config?: ConsoleRuntimeConfig;
  private server?: http.Server;

  private constructor(private readonly distDir: string) {}

  static async start(distDir = CONSOLE_DIST): Promise<LocalConsoleServer> {
    const index = path.join(distDir, 'index.html');
    if (!(await stat(index).catch(() => undefined)))
      throw new Error(`the console is not built (${index} is missing): run npm run build -w console`);
    const server = new LocalConsoleServer(distDir);
    server.server = http.createServer((request, response) => {
      server.serve(request, response).catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`local console: ${error.message}\n`);
      });
    });
    await new Promise<void>((resolve) => server.server?.listen(0, '127.0.0.1', resolve));
    return server;
  }

  /** The console's origin: what the browser opens, and the one origin the API answers. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the console server is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  configure(config: ConsoleRuntimeConfig): void {
    this.config = config;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' });
      return void response.end();
    }
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const config = this.config;
    const headers = {
      ...consoleSecurityHeaders(
        config ? [new URL(config.apiUrl).origin, new URL(config.cognitoEndpoint).origin] : [],
      ),
      'cache-control': consoleCacheControl(pathname),
    };
    if (pathname === '/config.json') {
      if (!config) {
        response.writeHead(503, { ...headers, 'content-type': 'text/plain' });
        return void response.end('the platform is still starting\n');
      }
      response.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES['.json'] });
      return void response.end(request.method === 'HEAD' ? undefined : JSON.stringify(config));
    }
    const file = (await this.file(pathname)) ?? path.join(this.distDir, 'index.html');
    const body = await readFile(file);
    response.writeHead(200, {
      ...headers,
      // The fallback page is the app's: never cached as if it were the missing asset.
      ...(file.endsWith('index.html') && { 'cache-control': 'no-cache' }),
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': String(body.length),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  /** The build's file at `pathname`, or undefined: never a file outside the build. */
  private async file(pathname: string): Promise<string | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    const resolved = path.resolve(this.distDir, `.${path.posix.normalize(decoded)}`);
    if (!resolved.startsWith(this.distDir + path.sep)) return undefined;
    const found = await stat(resolved).catch(() => undefined);
    return found?.isFile() ? resolved : undefined;
  }
}
