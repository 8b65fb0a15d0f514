#!/usr/bin/env node
/**
 * `npm run bench:overhead`: the dispatcher's own CPU per event, with no SDK and no network: the
 * real `dispatchBatch` (validation, workspace lookup, routing, mapping, lanes, call planning,
 * settling, trace log lines serialized as Powertools would) against clients that answer at once
 * in memory. What it prints is what the dispatcher adds to each delivery on top of the SDK call
 * the bare loop of `npm run bench` also makes. Best of --rounds, by batch size.
 */
import { parseArgs } from 'node:util';
import type { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { BrokenDestinations } from '../lambda/dispatcher/deliver/failure-memory/broken-destinations';
import { CircuitBreakers } from '../lambda/dispatcher/deliver/failure-memory/circuit-breaker';
import { RateLimiter } from '../lambda/dispatcher/deliver/rate-limiter';
import { type DispatchDependencies, dispatchBatch } from '../lambda/dispatcher/dispatch-batch';
import { StaticRegistry } from '../lambda/dispatcher/prepare/registry';
import { DEFAULT_RETRY_POLICY } from '../lambda/dispatcher/settle/retry';
import { generateEvents, seededRandom } from '../local/test-events';
import { DroppingLogger } from './dropping-logger';
import { sqsRecord } from './sqs-record';

const ACCOUNT = '111122223333';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '8000' },
      rounds: { type: 'string', default: '20' },
      topic: { type: 'string', default: 'standard' },
    },
  });
  const fifo = values.topic === 'fifo';
  const registry = StaticRegistry.fromJson(
    JSON.stringify({
      workspaces: [
        {
          id: 'bench',
          externalId: 'bench-external-id-0001',
          destinations: [
            {
              id: 'events',
              type: 'sns',
              topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:events${fifo ? '.fifo' : ''}`,
              roleArn: `arn:aws:iam::${ACCOUNT}:role/event-delivery/EventDelivery`,
              events: ['*'],
            },
          ],
        },
      ],
    }),
  );
  const bodies = generateEvents(Number(values.events), { random: seededRandom(7), workspaces: ['bench'] });
  const records = bodies.map((body, i) => sqsRecord(body, `m-${i}`, ACCOUNT));
  // Answers every entry as published, at once.
  const sns = {
    send: async (command: PublishBatchCommand) => ({
      Successful: (command.input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id, MessageId: 'm' })),
      Failed: [],
    }),
  } as unknown as SNSClient;
  const deps: DispatchDependencies = {
    registry,
    // Only the topic's client is asked for.
    clients: { client: <C>() => sns as C },
    sqs: { send: async () => ({}) } as unknown as SQSClient,
    deadLetterQueue: { url: 'dlq', fifo: false },
    logger: new DroppingLogger({ serviceName: 'bench', logLevel: 'INFO' }),
    maxReceiveCount: 5,
    concurrency: 16,
    brokenDestinations: new BrokenDestinations(),
    breakers: new CircuitBreakers(),
    rateLimiter: new RateLimiter(),
    retry: { ...DEFAULT_RETRY_POLICY, queueUrl: 'ingest' },
  };
  for (const batchSize of [100, 10]) {
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < Number(values.rounds); round++) {
      const started = process.cpuUsage();
      for (let i = 0; i < records.length; i += batchSize) {
        await dispatchBatch(records.slice(i, i + batchSize), deps);
      }
      const { user, system } = process.cpuUsage(started);
      best = Math.min(best, (user + system) / records.length);
    }
    console.log(
      `${values.topic} topic, batch ${batchSize}: ${best.toFixed(1)} µs of CPU per event (best of ${values.rounds})`,
    );
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
