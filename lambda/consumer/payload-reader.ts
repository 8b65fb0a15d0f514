import { createHash } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { PayloadLocation } from '../shared/offloaded-payload';

/** Reads an offloaded payload's JSON from where its pointer envelope says it is. */
export interface OffloadedPayloadReader {
  read(location: PayloadLocation): Promise<string>;
}

export class OffloadedPayloadError extends Error {
  override readonly name = 'OffloadedPayloadError';
}

export interface S3PayloadReaderOptions {
  /**
   * The delivery role: the platform's payload bucket lets only it read this customer's payloads.
   * @default the function's own identity (for a bucket that grants it directly)
   */
  readonly roleArn?: string;
  /** Settings for every client, STS included: the local runtime points them at its emulator. */
  readonly clientConfig?: Pick<S3ClientConfig, 'endpoint' | 'credentials' | 'forcePathStyle'>;
}

/** The most a session assuming the delivery role may do: read objects, decrypt them. Nothing else. */
const READ_ONLY_SESSION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 'kms:Decrypt'], Resource: '*' }],
});

/**
 * Reads offloaded payloads from S3 through the delivery role, with a session policy that keeps
 * the session to reading. One client per region, kept for the life of the execution environment.
 * The S3 SDK loads on the first pointer: oversize events are rare, and loading it at cold start
 * costs about 45 ms.
 */
export class S3PayloadReader implements OffloadedPayloadReader {
  private readonly clients = new Map<string, Promise<S3Client>>();

  constructor(private readonly options: S3PayloadReaderOptions = {}) {}

  async read(location: PayloadLocation): Promise<string> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.client(location.region);
    const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    const body = Buffer.from((await response.Body?.transformToByteArray()) ?? []);
    // The pointer names exactly what was stored: a different object is never processed.
    if (body.byteLength !== location.bytes) {
      throw new OffloadedPayloadError(
        `offloaded payload is ${body.byteLength} bytes, the pointer says ${location.bytes}`,
      );
    }
    if (createHash('sha256').update(body).digest('hex') !== location.sha256) {
      throw new OffloadedPayloadError('offloaded payload does not match the SHA-256 in its pointer');
    }
    return body.toString('utf8');
  }

  private client(region: string): Promise<S3Client> {
    let client = this.clients.get(region);
    if (!client) {
      client = this.createClient(region);
      this.clients.set(region, client);
    }
    return client;
  }

  private async createClient(region: string): Promise<S3Client> {
    const [{ S3Client }, { fromTemporaryCredentials }] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('@aws-sdk/credential-providers'),
    ]);
    const { roleArn, clientConfig = {} } = this.options;
    const { endpoint, credentials } = clientConfig;
    return new S3Client({
      region,
      ...clientConfig,
      ...(roleArn && {
        credentials: fromTemporaryCredentials({
          params: { RoleArn: roleArn, RoleSessionName: 'event-consumer', Policy: READ_ONLY_SESSION_POLICY },
          ...(credentials && { masterCredentials: credentials }),
          clientConfig: { region, ...(endpoint && { endpoint }) },
        }),
      }),
    });
  }
}
