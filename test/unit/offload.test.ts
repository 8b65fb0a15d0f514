import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { offloadKey, S3PayloadStore, sizeAtDestination } from '../../lambda/dispatcher/deliver/offload';
import { type DeliveredPayload, parseIngestMessage } from '../../lambda/shared/ingest-message';
import { OffloadedPayloadSchema } from '../../lambda/shared/offloaded-payload';
import {
  fifoTopicDestination,
  ingestMessage,
  lambdaDestination,
  PERSONAL_DATA,
  standardTopicDestination,
} from '../support/fixtures';

const BUCKET = 'platform-payloads';

const payload = (blobBytes = 0, distinctId = 'evt_big'): DeliveredPayload => {
  const parsed = parseIngestMessage(
    JSON.stringify(
      ingestMessage({
        event: { distinct_id: distinctId, event_properties: { blob: 'x'.repeat(blobBytes) } },
      }),
    ),
  );
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.payload;
};

describe('sizeAtDestination', () => {
  it('counts the message and its attributes against 256 KiB at a topic', () => {
    const event = payload(1000);
    const message = JSON.stringify(event);

    const { bytes, limit } = sizeAtDestination(standardTopicDestination, event, message);

    expect(limit).toBe(262_144);
    // event_name and distinct_id attributes: names, types and values.
    expect(bytes).toBe(
      Buffer.byteLength(message) +
        'event_nameStringOrder Completed'.length +
        'distinct_idStringevt_big'.length,
    );
  });

  it('uses the invocation type limit at a function: 1 MB asynchronous, 6 MB synchronous', () => {
    const event = payload();
    const message = JSON.stringify(event);

    expect(sizeAtDestination(lambdaDestination, event, message)).toEqual({
      bytes: Buffer.byteLength(message),
      limit: 1_048_576,
    });
    expect(
      sizeAtDestination({ ...lambdaDestination, invocationType: 'RequestResponse' }, event, message).limit,
    ).toBe(6_291_456);
  });
});

describe('offloadKey', () => {
  it("puts the object under the role's account, the workspace and the destination, named by the event's identity", () => {
    const key = offloadKey(fifoTopicDestination, payload(0, 'evt_1'));

    expect(key).toMatch(/^111122223333\/ws-acme\/orders-fifo\/[0-9a-f]{64}\.json$/);
    expect(offloadKey(fifoTopicDestination, payload(10, 'evt_1'))).toBe(key);
    expect(offloadKey(fifoTopicDestination, payload(0, 'evt_2'))).not.toBe(key);
    for (const personal of PERSONAL_DATA) expect(key).not.toContain(personal);
  });

  it('never gives two workspaces the same object for the same destination, visitor and event ids', () => {
    const other = { ...fifoTopicDestination, workspaceId: 'ws-other' };

    expect(offloadKey(other, payload(0, 'evt_1'))).not.toBe(
      offloadKey(fifoTopicDestination, payload(0, 'evt_1')),
    );
  });
});

describe('S3PayloadStore', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const store = () => new S3PayloadStore({ region: 'us-east-1' }, BUCKET, 'us-east-1');

  it('stores the message with a SHA-256 checksum and returns a pointer envelope that names it', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const event = payload(300_000);
    const message = JSON.stringify(event);
    const digest = createHash('sha256').update(message).digest();

    // Act
    const envelope = await store().offload(standardTopicDestination, event, message);

    // Assess
    const key = offloadKey(standardTopicDestination, event);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: key,
      ContentType: 'application/json',
      ChecksumSHA256: digest.toString('base64'),
    });
    const pointer = OffloadedPayloadSchema.parse(JSON.parse(envelope));
    expect(pointer.offloaded_payload).toEqual({
      bucket: BUCKET,
      key,
      region: 'us-east-1',
      bytes: Buffer.byteLength(message),
      sha256: digest.toString('hex'),
      distinct_id: 'evt_big',
    });
    expect(Buffer.byteLength(envelope)).toBeLessThan(500);
    for (const personal of PERSONAL_DATA) expect(envelope).not.toContain(personal);
  });

  it('fails with OffloadFailed, not the destination error codes, when the bucket refuses for good', async () => {
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    const event = payload(10);

    const offload = store().offload(standardTopicDestination, event, JSON.stringify(event));

    await expect(offload).rejects.toMatchObject({ code: 'OffloadFailed', retryable: false });
    await expect(offload).rejects.toThrow('payload offload failed: AccessDenied: Access Denied');
  });

  it('keeps a throttled upload retryable, as a throttle', async () => {
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('Please reduce your request rate.'), {
        name: 'SlowDown',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const event = payload(10);

    await expect(
      store().offload(standardTopicDestination, event, JSON.stringify(event)),
    ).rejects.toMatchObject({
      code: 'Throttled',
      retryable: true,
    });
  });
});
