import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { hmacKeySecretName } from '../../shared/registry-table';

/** How long a workspace's HMAC key is kept in memory before it is read again. */
const KEY_TTL_MS = 3_600_000;

/**
 * Workspaces' keys for `hmac` mappings, read from Secrets Manager when a version that uses one
 * is loaded, kept an hour per execution environment. A key that cannot be read makes the load
 * fail: a version is never served without its key, so nothing goes out unmapped.
 */
export class HmacKeys {
  private readonly keys = new Map<string, { key: Buffer; readAt: number }>();

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly now: () => number = Date.now,
  ) {}

  async key(workspaceId: string, abortSignal?: AbortSignal): Promise<Buffer> {
    const cached = this.keys.get(workspaceId);
    if (cached && this.now() - cached.readAt < KEY_TTL_MS) return cached.key;
    const { SecretString } = await this.secrets.send(
      new GetSecretValueCommand({ SecretId: hmacKeySecretName(workspaceId) }),
      { abortSignal },
    );
    const key = Buffer.from(SecretString ?? '', 'base64');
    if (key.length < 32) throw new Error(`the HMAC key of workspace ${workspaceId} is shorter than 32 bytes`);
    this.keys.set(workspaceId, { key, readAt: this.now() });
    return key;
  }
}
