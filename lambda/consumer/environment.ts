export interface ConsumerEnvironment {
  readonly idempotencyTableName: string;
  readonly expiresAfterSeconds: number;
  readonly keyPrefix: string | undefined;
  /** The delivery role through which offloaded (oversize) payloads are read. */
  readonly payloadRoleArn: string | undefined;
}

/** Reads the consumer's configuration once, naming every missing or invalid variable. */
export function readConsumerEnvironment(env: NodeJS.ProcessEnv): ConsumerEnvironment {
  const problems: string[] = [];
  const idempotencyTableName = env.IDEMPOTENCY_TABLE_NAME ?? '';
  if (!idempotencyTableName) problems.push('IDEMPOTENCY_TABLE_NAME is not set');
  const ttl = env.IDEMPOTENCY_TTL_SECONDS ?? '86400';
  const expiresAfterSeconds = Number(ttl);
  if (!Number.isInteger(expiresAfterSeconds) || expiresAfterSeconds < 60) {
    problems.push(`IDEMPOTENCY_TTL_SECONDS must be an integer of at least 60, got "${ttl}"`);
  }
  if (problems.length > 0) throw new Error(`Consumer configuration is invalid: ${problems.join('; ')}`);
  return {
    idempotencyTableName,
    expiresAfterSeconds,
    keyPrefix: env.IDEMPOTENCY_KEY_PREFIX || undefined,
    payloadRoleArn: env.PAYLOAD_ROLE_ARN || undefined,
  };
}
