import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'constructs';
import { type Destination, parseDestinations } from '../../lambda/shared/destination-config';

/**
 * Reads the destination config from CDK context: `destinations` (a JSON array, inline) wins over
 * `destinationsFile` (a path to a JSON file, relative to the working directory). Invalid config
 * throws, so `cdk synth` fails with every bad field named.
 */
export function loadDestinations(node: Node): Destination[] {
  const inline: unknown = node.tryGetContext('destinations');
  if (inline !== undefined) {
    return parseDestinations(
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
  return parseDestinations(parseJson(text, resolved));
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}
