import { createHash } from 'node:crypto';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { arnParts, type Destination, destinationArn } from '../../shared/destination-config';
import { eventIdentityOf, hashEventIdentity } from '../../shared/event-identity';
import type { DeliveredPayload } from '../../shared/ingest-message';
import { OFFLOADED_PAYLOAD_KEY, type OffloadedPayload } from '../../shared/offloaded-payload';
import type { Delivery } from '../delivery';
import {
  classifyError,
  type DeliveryError,
  failed,
  PermanentDeliveryError,
  RetryableDeliveryError,
} from '../errors';
import { driverOf } from './drivers';

/** Where oversize payloads are stored: the platform's payload bucket. */
export interface PayloadStore {
  /** Stores one event's message for one destination and returns the pointer envelope to deliver instead. */
  offload(
    destination: Destination,
    payload: DeliveredPayload,
    message: string,
    abortSignal?: AbortSignal,
  ): Promise<string>;
}

/**
 * Offloads each delivery too large for its destination, where the destination offloads: its
 * message becomes the pointer envelope. A failed upload fails the delivery, retried or
 * dead-lettered like any other failure. Without offloading, delivery rejects it as too large.
 */
export async function offloadOversize(
  deliveries: readonly Delivery[],
  payloads: PayloadStore | undefined,
  upload: (delivery: Delivery, call: (signal: AbortSignal) => Promise<string>) => Promise<string>,
): Promise<void> {
  if (!payloads) return;
  const oversize = deliveries.filter(({ destination, payload, message, result }) => {
    if (result || !destination.offloadOversize) return false;
    const { bytes, limit } = sizeAtDestination(destination, payload, message);
    return bytes > limit;
  });
  await Promise.all(
    oversize.map(async (delivery) => {
      try {
        delivery.message = await upload(delivery, (signal) =>
          payloads.offload(delivery.destination, delivery.payload, delivery.message, signal),
        );
        delivery.offloaded = true;
      } catch (error) {
        delivery.result = failed(error);
      }
    }),
  );
}

/** The size a message takes at its destination, against the most the destination accepts. */
export function sizeAtDestination(
  destination: Destination,
  payload: DeliveredPayload,
  message: string,
): { bytes: number; limit: number } {
  return driverOf(destination).size(destination, { payload, message });
}

/**
 * The object key: under the destination's account, workspace and id, so the bucket policy can
 * give each delivery role only its own account's prefix; named by the event's identity
 * (workspace, destination, `visitor_id`, `distinct_id`, unambiguously encoded), so a retry
 * overwrites rather than adds, and two events a consumer keeps apart never share an object.
 */
export function offloadKey(destination: Destination, payload: DeliveredPayload): string {
  const eventKey = hashEventIdentity(eventIdentityOf(destination, payload));
  const { account } = arnParts(destination.roleArn ?? destinationArn(destination));
  return `${account}/${destination.workspaceId}/${destination.id}/${eventKey}.json`;
}

/**
 * Stores payloads in the platform's payload bucket. The bucket's default encryption (its own KMS
 * key) applies; the lifecycle rule deletes objects once every queue that may hold the pointer
 * has let it go. The S3 client loads on the first oversize event: most execution environments
 * never see one, and loading it at cold start costs about 45 ms.
 */
export class S3PayloadStore implements PayloadStore {
  private s3?: Promise<S3Api>;

  constructor(
    private readonly clientConfig: S3ClientConfig,
    private readonly bucket: string,
    private readonly region: string,
  ) {}

  async offload(
    destination: Destination,
    payload: DeliveredPayload,
    message: string,
    abortSignal?: AbortSignal,
  ): Promise<string> {
    const key = offloadKey(destination, payload);
    const body = Buffer.from(message, 'utf8');
    const digest = createHash('sha256').update(body).digest();
    try {
      this.s3 ??= loadS3(this.clientConfig);
      const { client, PutObjectCommand } = await this.s3;
      await client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          // S3 rejects the upload if it arrives other than sent.
          ChecksumSHA256: digest.toString('base64'),
        }),
        { abortSignal },
      );
    } catch (error) {
      throw offloadError(error);
    }
    const envelope: OffloadedPayload = {
      [OFFLOADED_PAYLOAD_KEY]: {
        bucket: this.bucket,
        key,
        region: this.region,
        bytes: body.byteLength,
        sha256: digest.toString('hex'),
        distinct_id: payload.event.distinct_id,
      },
    };
    return JSON.stringify(envelope);
  }
}

type S3Api = { client: import('@aws-sdk/client-s3').S3Client } & Pick<
  typeof import('@aws-sdk/client-s3'),
  'PutObjectCommand'
>;

async function loadS3(config: S3ClientConfig): Promise<S3Api> {
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  return { client: new S3Client(config), PutObjectCommand };
}

/**
 * A failed upload is the platform's problem, not the destination's: a permanent one gets its own
 * code, so the destination is not marked unhealthy for it; a transient one is retried as usual.
 */
function offloadError(error: unknown): DeliveryError {
  const classified = classifyError(error);
  const message = `payload offload failed: ${classified.message}`;
  return classified.retryable
    ? new RetryableDeliveryError(classified.code, message, classified.retryAfterSeconds)
    : new PermanentDeliveryError('OffloadFailed', message);
}
