#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { openApiDocument } from '../lambda/control-plane/openapi';
import { ROUTES } from '../lambda/control-plane/routes';
import { type Cli, type CliArgs, type CliOptions, type CliResult, runCli } from './cli-kit';

export const HELP = `npm run openapi -- [options]

Writes docs/openapi.json, the control-plane API's OpenAPI 3.1 document, from the routes and the
schemas that validate their requests (the API serves the same document at /v1/openapi.json).
Run it after changing a route: a unit test fails while the committed copy differs.

Options:
  --check   write nothing: exit 1 when docs/openapi.json is not what the routes generate
  --help    this text

Exit status: 0 done (or up to date), 1 out of date or failed, 2 usage.`;

export const OPTIONS = { check: { type: 'boolean', default: false } } satisfies CliOptions;

const ROOT = path.join(__dirname, '..');
export const OPENAPI_FILE = 'docs/openapi.json';

/**
 * The document as the linter formats it (two-space indents, short arrays on one line, a trailing
 * newline): `npm run lint` then leaves the generated file as it is.
 */
function formatted(document: unknown): string {
  const biome = spawnSync(
    process.execPath,
    [require.resolve('@biomejs/biome/bin/biome'), 'format', `--stdin-file-path=${OPENAPI_FILE}`],
    { cwd: ROOT, input: `${JSON.stringify(document, null, 2)}\n`, encoding: 'utf8' },
  );
  if (biome.status !== 0) throw new Error(`biome format failed: ${biome.stderr || biome.error}`);
  return biome.stdout;
}

async function main({ values }: CliArgs<typeof OPTIONS>): Promise<CliResult> {
  // As JSON holds it: no undefined members.
  const document: unknown = JSON.parse(JSON.stringify(openApiDocument(ROUTES)));
  const file = path.join(ROOT, OPENAPI_FILE);
  if (values.check) {
    let committed: unknown;
    try {
      committed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      // Missing or not JSON: out of date like any other difference.
    }
    const upToDate = isDeepStrictEqual(committed, document);
    return {
      json: { file: OPENAPI_FILE, upToDate },
      text: upToDate
        ? `${OPENAPI_FILE} is up to date`
        : `${OPENAPI_FILE} is out of date: run npm run openapi`,
      exitCode: upToDate ? 0 : 1,
    };
  }
  writeFileSync(file, formatted(document));
  return { json: { file: OPENAPI_FILE }, text: `wrote ${OPENAPI_FILE}` };
}

export const CLI: Cli<typeof OPTIONS> = { name: 'openapi', help: HELP, options: OPTIONS, main };

if (require.main === module) void runCli(CLI);
