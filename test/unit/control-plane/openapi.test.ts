import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HELP, OPENAPI_FILE, OPTIONS } from '../../../bin/openapi';
import { handleRequest, routeTable } from '../../../lambda/control-plane/http/router';
import { openApiDocument } from '../../../lambda/control-plane/openapi';
import { OPENAPI_PATH, ROUTES } from '../../../lambda/control-plane/routes';
import type { ControlPlaneServices } from '../../../lambda/control-plane/services';

jest.setTimeout(30_000);

const ROOT = path.join(__dirname, '..', '..', '..');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Operation {
  readonly operationId?: string;
  readonly security?: unknown;
  readonly parameters?: readonly {
    readonly name: string;
    readonly in: string;
    readonly required?: boolean;
  }[];
}
interface Document {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components?: { readonly securitySchemes?: Record<string, unknown> };
}

/** The document as JSON carries it (no undefined members), as the committed file and the API serve it. */
const generated = (): Document => JSON.parse(JSON.stringify(openApiDocument(ROUTES))) as Document;
const committed = (): Document => JSON.parse(readFileSync(path.join(ROOT, OPENAPI_FILE), 'utf8')) as Document;

const operations = (document: Document) =>
  Object.entries(document.paths).flatMap(([route, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${route}`, route, operation })),
  );

/*
 * The validator is an ES module only, and jest runs these tests as CommonJS without VM modules:
 * it validates in a child Node.js process, reading the document on stdin.
 */
const VALIDATE = `
import { Validator } from '@seriousme/openapi-schema-validator';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(input));
process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? [] }));
`;

function validate(document: unknown): { valid: boolean; version: string; errors: unknown[] } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', VALIDATE], {
    cwd: ROOT,
    input: JSON.stringify(document),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the validator failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Where two JSON values differ, as JSON pointers: the first few. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys
      .flatMap((key) =>
        differences(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
          `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        ),
      )
      .slice(0, 10);
  }
  return [at || '/'];
}

describe('openApiDocument', () => {
  it('is a valid OpenAPI 3.1 document', () => {
    // Act
    const result = validate(generated());

    // Assess
    expect(result).toEqual({ valid: true, version: '3.1', errors: [] });
  });

  it('is refused by the validator when broken: the check above can fail', () => {
    // Prepare
    const broken = generated();
    (broken.paths['/v1/me'].get as { parameters?: unknown }).parameters = [{ name: 'x', in: 'body' }];

    // Act
    const result = validate(broken);

    // Assess
    expect(result.valid).toBe(false);
  });

  it('lists exactly the routes served, no more and no fewer', () => {
    // Act
    const documented = operations(generated()).map((o) => o.key);

    // Assess
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(documented).toContain(`GET ${OPENAPI_PATH}`);
  });

  it("names each operation by its route's operation id, each once", () => {
    // Act
    const ids = operations(generated()).map((o) => o.operation.operationId);

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ROUTES.map((r) => r.operationId).sort());
  });

  it('asks for the bearer credential on every route but the public one', () => {
    // Prepare
    const document = generated();
    const access = new Map(ROUTES.map((r) => [`${r.method} ${r.path}`, r.access]));

    // Act
    const security = operations(document).map((o) => ({
      key: o.key,
      public: access.get(o.key) === 'public',
      security: o.operation.security,
    }));

    // Assess
    expect(document.components?.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(security.filter((s) => s.public).map((s) => s.key)).toContain(`GET ${OPENAPI_PATH}`);
    expect(security.filter((s) => !s.public).length).toBeGreaterThan(30);
    for (const s of security) expect(s).toEqual({ ...s, security: s.public ? [] : [{ bearer: [] }] });
  });

  it("declares each of a path's parameters as a required path parameter", () => {
    // Act
    const missing = operations(generated()).flatMap(({ key, route, operation }) =>
      [...route.matchAll(/\{(\w+)\}/g)]
        .map(([, name]) => name)
        .filter(
          (name) =>
            !operation.parameters?.some((p) => p.name === name && p.in === 'path' && p.required === true),
        )
        .map((name) => `${key}: {${name}}`),
    );

    // Assess
    expect(missing).toEqual([]);
  });

  it('is the committed docs/openapi.json', () => {
    // Act
    const drift = differences(committed(), generated());

    // Assess
    expect(
      drift.length === 0
        ? 'up to date'
        : `docs/openapi.json is not what the routes generate (at ${drift.join(', ')}): run npm run openapi`,
    ).toBe('up to date');
  });

  it('is what the API serves at /v1/openapi.json', async () => {
    // Prepare
    const request = {
      method: 'GET',
      resource: OPENAPI_PATH,
      pathParameters: {},
      query: {},
      headers: {},
      requestId: 'req-1',
    };

    // Act
    const response = await handleRequest(request, routeTable(ROUTES), {} as ControlPlaneServices);

    // Assess
    expect(response.status).toBe(200);
    expect(JSON.parse(JSON.stringify(response.json))).toEqual(committed());
  });
});

describe('differences', () => {
  it('points at what differs', () => {
    expect(differences({ a: { b: [1, 2] }, c: 1 }, { a: { b: [1, 3] }, c: 1 })).toEqual(['/a/b/1']);
    expect(differences({ 'x/y': 1 }, {})).toEqual(['/x~1y']);
    expect(differences({ a: 1 }, { a: 1 })).toEqual([]);
  });
});

describe('npm run openapi', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'bin/openapi.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  it('finds docs/openapi.json up to date with --check', () => {
    // Act
    const { status, stdout, stderr } = cli('--check');

    // Assess
    expect({ status, stdout, stderr }).toEqual({
      status: 0,
      stdout: 'docs/openapi.json is up to date\n',
      stderr: '',
    });
  });

  it('documents every option in its help', () => {
    // Act
    const documented = [...HELP.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]);

    // Assess
    expect(new Set(documented)).toEqual(new Set([...Object.keys(OPTIONS), 'help']));
  });
});
