import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { compileMapping } from '../../lambda/shared/data-mapping';
import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import { MAX_INGEST_BODY_BYTES } from '../../lambda/shared/queue-limits';
import { emulatorClient, PLATFORM_ACCOUNT } from '../../local/accounts';
import { eventKey, payloadDigest } from '../../local/ledger';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';

jest.setTimeout(120_000);
const INLINE_ONLY = 'customer-topic-inline';
/** An event of `bytes` bytes as sent; without a distinct_id when `derivedId`, so the dispatcher adds one. */
function sized(
  name: string,
  bytes: number,
  options: { distinctId?: string; visitorId: string; emails?: string[] },
): string {
  const event = {
    workspace_id: 'workspace-1',
    event: {
      event: name,
      ...(options.distinctId && { distinct_id: options.distinctId }),
      event_properties: { blob: '' },
    },
    visitor: {
      visitor_id: options.visitorId,
      email: 'big.spender@example.com',
      ...(options.emails && { emails: options.emails }),
    },
    user: null,
  };
  const padding = bytes - Buffer.byteLength(JSON.stringify(event));
  event.event.event_properties.blob = 'x'.repeat(padding);
  return JSON.stringify(event);
}

describe('local pipeline, oversize events', () => {
  let pipeline: LocalPipeline;
  const events = generateEvents(6, { random: seededRandom(7), visitors: 2 });
  // Above SNS's 256 KiB, within Lambda's 1 MB: offloaded at both topics, inline to the function.
  const large = sized('Oversize Test', 300_000, { distinctId: 'evt_large', visitorId: 'visitor_large' });
  // At the largest body the dispatcher takes, without a distinct_id: the derived id it adds and the
  // default mapping's hashing of 200 short addresses (to 64 characters each) take it past Lambda's 1 MB.
  const atLimit = sized('Huge Test', MAX_INGEST_BODY_BYTES - 16, {
    visitorId: 'visitor_huge',
    emails: Array.from({ length: 200 }, (_, i) => `${i}@b.co`),
  });
  const oversize = [large, atLimit];

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({
      // A destination that does not offload: the large event is dead-lettered there, with its reason.
      configure: (_workspace, provisioned) => {
        const topic = provisioned.find((d) => d.id === DESTINATION_IDS.topic);
        if (topic?.type !== 'sns') throw new Error('the standard topic destination is missing');
        return [
          ...provisioned,
          { ...topic, id: INLINE_ONLY, offloadOversize: false, events: ['Oversize Test'] },
        ];
      },
    });
    const sent = await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, [
      ...events.slice(0, 3),
      ...oversize,
      ...events.slice(3),
    ]);
    expect(sent.rejected).toEqual([]);
    expect(await pipeline.waitUntilDrained(90_000)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('delivers every event, whole, to each consumer, offloaded or not', () => {
    const sent = [...events, ...oversize].map((body) => {
      const parsed = parseIngestMessage(body);
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.payload;
    });
    for (const destinationId of Object.values(DESTINATION_IDS)) {
      const scope = `workspace-1/${destinationId}`;
      const expected = new Map(
        sent.map((payload) => [
          eventKey(scope, payload.visitor.visitor_id, payload.event.distinct_id),
          // As the default mapping shapes it: the visitor's email hashed.
          payloadDigest(compileMapping(undefined).apply(payload)),
        ]),
      );
      expect({ scope, digests: pipeline.ledger.digests.get(scope) }).toEqual({ scope, digests: expected });
    }
  });

  it('offloads only what exceeds each destination limit, under that destination prefix', async () => {
    const s3 = emulatorClient(S3Client, pipeline.gateway.endpoint, PLATFORM_ACCOUNT, {
      forcePathStyle: true,
    });
    const { Contents = [] } = await s3.send(
      new ListObjectsV2Command({ Bucket: pipeline.resources.payloadBucket }),
    );
    // Keys are `<delivery role account>/<workspace>/<destination>/<event>.json`.
    const prefixes = Contents.map((o) => (o.Key ?? '').split('/')[2]).sort();

    // Both events exceed the 256 KiB of topics, the bus and queues; only the one at the limit
    // exceeds a function's 1 MB and a stream's 1 MiB once mapped.
    expect(prefixes).toEqual(
      [
        ...[DESTINATION_IDS.topic, DESTINATION_IDS.fifoTopic, DESTINATION_IDS.bus].flatMap((d) => [d, d]),
        ...[DESTINATION_IDS.queue, DESTINATION_IDS.fifoQueue].flatMap((d) => [d, d]),
        DESTINATION_IDS.function,
        DESTINATION_IDS.stream,
      ].sort(),
    );
    for (const object of Contents)
      expect(object.Key).toMatch(/^111122223333\/workspace-1\/[\w-]+\/[0-9a-f]{64}\.json$/);
  });

  it('dead-letters with PayloadTooLarge where the destination does not offload, and nothing else', async () => {
    const letters = await pipeline.deadLetters();

    expect(letters.map(({ errorCode, destinationId, body }) => ({ errorCode, destinationId, body }))).toEqual(
      [{ errorCode: 'PayloadTooLarge', destinationId: INLINE_ONLY, body: large }],
    );
    expect(letters[0].errorMessage).toMatch(/^message is \d+ bytes; the topic accepts at most 262144$/);
  });
});
