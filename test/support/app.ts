import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** A CDK app with the project's feature flags from cdk.json, so tests synthesize what `cdk synth` does. */
export function testApp(context: Record<string, unknown> = {}): App {
  const flags = Object.fromEntries(
    Object.entries(cdkJson.context).filter(([key]) => key.startsWith('@aws-cdk/')),
  );
  return new App({ context: { ...flags, ...context } });
}
