import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

describe('the API types', () => {
  it('are generated from the committed OpenAPI document (npm run openapi regenerates both)', async () => {
    const document = JSON.parse(readFileSync(path.join(root, 'docs', 'openapi.json'), 'utf8'));
    const generated = astToString(await openapiTS(document));
    const committed = readFileSync(path.join(root, 'console', 'src', 'api', 'schema.d.ts'), 'utf8');
    // The CLI adds its banner; the declarations must be identical.
    expect(committed.endsWith(generated)).toBe(true);
  });
});
