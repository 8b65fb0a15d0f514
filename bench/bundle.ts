/**
 * The dispatcher's bundle, as the EventDispatcher construct builds it (esbuild, minified, the SDK
 * bundled), next to a floor: a bundle of only the SDK clients and Powertools utilities it uses,
 * each constructed once. Size (minified and gzip) and module initialisation time (require in a
 * fresh process, median of interleaved runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { EventDispatcher } from '../lib/constructs/event-dispatcher';

/**
 * What the floor constructs: every client and utility the dispatcher creates, at load or on its
 * first delivery to a destination type (Kinesis, EventBridge: the dispatcher loads those lazily).
 */
const FLOOR = `
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
export const clients = [new Logger(), new Metrics({ namespace: 'x' }), new DynamoDBClient({}), new LambdaClient({}),
  new SecretsManagerClient({}), new SNSClient({}), new SQSClient({}), new KinesisClient({}), new EventBridgeClient({}),
  fromTemporaryCredentials({ params: { RoleArn: 'arn:aws:iam::1:role/x' } })];
`;

/** The environment the dispatcher's module reads at load. */
const ENV = {
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
  REGISTRY_TABLE: 'registry',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_METRICS_NAMESPACE: 'EventDelivery',
};

export interface BundleReport {
  readonly dispatcher: { bytes: number; gzipBytes: number; initMs: number };
  readonly floor: { bytes: number; gzipBytes: number; initMs: number };
}

export function measureBundles(runs = 15): BundleReport {
  const root = path.join(__dirname, '..');
  const dir = mkdtempSync(path.join(tmpdir(), 'dispatcher-bundle-'));
  try {
    const floorEntry = path.join(dir, 'floor.ts');
    writeFileSync(floorEntry, FLOOR);
    const build = (entry: string, out: string) => {
      buildSync({
        entryPoints: [entry],
        outfile: out,
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        nodePaths: [path.join(root, 'node_modules')],
        // As the construct bundles it: what the Lambda runtime provides stays out.
        external: [...EventDispatcher.RUNTIME_PROVIDED_MODULES],
        logLevel: 'silent',
      });
      const bytes = Buffer.from(require('node:fs').readFileSync(out));
      return { bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
    };
    const dispatcherFile = path.join(dir, 'dispatcher.js');
    const floorFile = path.join(dir, 'floor.js');
    const dispatcher = build(path.join(root, 'lambda', 'dispatcher', 'index.ts'), dispatcherFile);
    const floor = build(floorEntry, floorFile);
    const init = (file: string) => {
      const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
      const result = spawnSync(process.execPath, ['-e', script], {
        env: { ...process.env, ...ENV },
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`loading ${file} failed: ${result.stderr}`);
      return Number(result.stdout);
    };
    const times = { dispatcher: [] as number[], floor: [] as number[] };
    for (let i = 0; i < runs; i++) {
      times.dispatcher.push(init(dispatcherFile));
      times.floor.push(init(floorFile));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    return {
      dispatcher: { ...dispatcher, initMs: median(times.dispatcher) },
      floor: { ...floor, initMs: median(times.floor) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const report = measureBundles();
  console.log(JSON.stringify(report, null, 2));
}
