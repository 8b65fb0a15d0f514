import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'constructs';
import { parseStaticWorkspaces, type WorkspaceRecord } from '../../lambda/shared/workspace';

/**
 * Reads the static config (`{ "workspaces": [...] }`) from CDK context: `destinations` (JSON,
 * inline) wins over `destinationsFile` (a path to a JSON file, relative to the working
 * directory). Without either, every workspace lives in the registry. Invalid config throws, so
 * `cdk synth` fails with every bad field named.
 */
export function loadStaticWorkspaces(node: Node): WorkspaceRecord[] {
  const inline: unknown = node.tryGetContext('destinations');
  if (inline !== undefined) {
    return parseStaticWorkspaces(
      typeof inline === 'string' ? parseJson(inline, 'context "destinations"') : inline,
    );
  }
  const file: unknown = node.tryGetContext('destinationsFile');
  if (file === undefined) return [];
  if (typeof file !== 'string') throw new Error('context "destinationsFile" must be a file path');
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new Error(`cannot read destinations file ${resolved}: ${(error as Error).message}`);
  }
  return parseStaticWorkspaces(parseJson(text, resolved));
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}
