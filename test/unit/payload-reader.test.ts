import { createHash } from 'node:crypto';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import { OffloadedPayloadError, S3PayloadReader } from '../../lambda/consumer/payload-reader';
import type { PayloadLocation } from '../../lambda/shared/offloaded-payload';
import { assumedRoleCredentials, CUSTOMER_ROLE } from '../support/fixtures';

const s3 = mockClient(S3Client);
// fromTemporaryCredentials calls STS through the SDK's nested STS client.
const sts = mockClient(STSClient);

const STORED = JSON.stringify({
  event: { event: 'Order Completed', distinct_id: 'evt_1' },
  visitor: { visitor_id: 'v' },
});

const location = (overrides: Partial<PayloadLocation> = {}): PayloadLocation => ({
  bucket: 'platform-payloads',
  key: 'orders-fifo/abc.json',
  region: 'eu-west-1',
  bytes: Buffer.byteLength(STORED),
  sha256: createHash('sha256').update(STORED).digest('hex'),
  distinct_id: 'evt_1',
  ...overrides,
});

const objectBody = (text: string) =>
  ({
    transformToByteArray: async () => new Uint8Array(Buffer.from(text)),
  }) as unknown as GetObjectCommandOutput['Body'];

describe('S3PayloadReader', () => {
  beforeEach(() => {
    s3.reset();
    sts.reset();
    sts.on(AssumeRoleCommand).resolves(assumedRoleCredentials());
  });

  it('reads the object the pointer names, through the delivery role, with a read-only session', async () => {
    // Prepare
    // Resolve the client's credentials as a real call would: the mock skips signing.
    s3.on(GetObjectCommand).callsFake(async (_input, getClient: () => S3Client) => {
      await getClient().config.credentials();
      return { Body: objectBody(STORED) };
    });
    const reader = new S3PayloadReader({ roleArn: CUSTOMER_ROLE });

    // Act: two reads share one client and one AssumeRole.
    const first = await reader.read(location());
    const second = await reader.read(location({ key: 'orders-fifo/def.json' }));

    // Assess
    expect([first, second]).toEqual([STORED, STORED]);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: 'platform-payloads',
      Key: 'orders-fifo/abc.json',
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    const { RoleArn, Policy } = sts.commandCalls(AssumeRoleCommand)[0].args[0].input;
    expect(RoleArn).toBe(CUSTOMER_ROLE);
    expect(JSON.parse(Policy ?? '{}').Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 'kms:Decrypt'], Resource: '*' },
    ]);
  });

  it.each([
    ['of another size', location({ bytes: 10 }), /is \d+ bytes, the pointer says 10/],
    ['with another digest', location({ sha256: 'f'.repeat(64) }), /does not match the SHA-256/],
  ])('refuses an object %s than the pointer names', async (_case, pointer, message) => {
    s3.on(GetObjectCommand).resolves({ Body: objectBody(STORED) });

    const read = new S3PayloadReader().read(pointer);

    await expect(read).rejects.toThrow(OffloadedPayloadError);
    await expect(read).rejects.toThrow(message);
  });
});
