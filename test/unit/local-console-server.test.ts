import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalConsoleServer } from '../../local/console-server';

describe('LocalConsoleServer (the console as CloudFront serves it)', () => {
  const dist = mkdtempSync(path.join(tmpdir(), 'console-dist-'));
  let server: LocalConsoleServer;
  const config = {
    apiUrl: 'http://127.0.0.1:4000',
    region: 'us-east-1',
    userPoolId: 'us-east-1_x',
    userPoolClientId: 'c',
    cognitoEndpoint: 'http://127.0.0.1:5000',
  };

  beforeAll(async () => {
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<html>app</html>');
    writeFileSync(path.join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(path.join(path.dirname(dist), 'secret.txt'), 'not served');
    server = await LocalConsoleServer.start(dist);
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dist, { recursive: true, force: true });
  });

  it('answers config.json only once configured, then with the running platform', async () => {
    expect((await fetch(`${server.url}/config.json`)).status).toBe(503);
    server.configure(config);
    const response = await fetch(`${server.url}/config.json`);
    expect(await response.json()).toEqual(config);
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it("serves the build's files, hashed assets cached for good, with the deployed security headers", async () => {
    server.configure(config);
    const response = await fetch(`${server.url}/assets/index-abc.js`);
    expect(await response.text()).toBe('console.log(1)');
    expect(response.headers.get('content-type')).toContain('text/javascript');
    expect(response.headers.get('cache-control')).toContain('immutable');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:4000 http://127.0.0.1:5000");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it("answers the app's own routes with index.html, never a file outside the build", async () => {
    const route = await fetch(`${server.url}/workspaces/ws-1/destinations`);
    expect(await route.text()).toBe('<html>app</html>');
    for (const outside of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      expect(await (await fetch(`${server.url}${outside}`)).text()).toBe('<html>app</html>');
    }
    expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses to start without a build, naming the command that makes one', async () => {
    await expect(LocalConsoleServer.start(path.join(dist, 'nowhere'))).rejects.toThrow(
      'npm run build -w console',
    );
  });
});
