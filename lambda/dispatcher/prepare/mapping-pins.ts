import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Destination, destinationArn } from '../../shared/destination-config';
import type { DeliveredPayload } from '../../shared/ingest-message';
import type { Delivery } from '../delivery';

/**
 * Mapping pins: a retry or redrive keeps the mapping version its first attempt used, so a
 * consumer never sees two contents under one `distinct_id`. A version is taken from a message
 * only with a pin the dispatcher wrote: an HMAC, under a key only the dispatcher holds, over the
 * destination, the version and the body. A producer can write `mapping_version` attributes and
 * retry bundles, but cannot pin: without a valid pin the live mapping applies.
 */

/** Message attribute (and retry bundle field) carrying the pin of `mapping_version`. */
export const MAPPING_PIN_ATTRIBUTE = 'mapping_pin';

const PIN_CONTEXT = 'mapping-pin/1';

export class MappingPins {
  private constructor(private readonly key: Buffer) {}

  static withKey(key: Buffer): MappingPins {
    if (key.length < 32) throw new Error('the mapping pin key is shorter than 32 bytes');
    return new MappingPins(key);
  }

  /**
   * The key from a Secrets Manager secret (its string, at least 32 bytes: the stack generates 64
   * random characters), read once per execution environment; every environment verifies what
   * any other signed.
   */
  static async fromSecret(secrets: SecretsManagerClient, secretId: string): Promise<MappingPins> {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    return MappingPins.withKey(Buffer.from(SecretString ?? '', 'utf8'));
  }

  /**
   * A key of this execution environment alone: pins it writes fail verification elsewhere, where
   * the live mapping then applies. Safe, but retries lose their pin across environments.
   */
  static ephemeral(): MappingPins {
    return new MappingPins(randomBytes(32));
  }

  /** The pin of one event's mapping version for one destination. */
  sign(destinationId: string, mappingVersion: number, body: string): string {
    const bodyDigest = createHash('sha256').update(body, 'utf8').digest('base64url');
    return createHmac('sha256', this.key)
      .update(JSON.stringify([PIN_CONTEXT, destinationId, mappingVersion, bodyDigest]))
      .digest('base64url');
  }

  /** Whether `pin` is the dispatcher's pin of this version, destination and body. */
  verify(pin: string | undefined, destinationId: string, mappingVersion: number, body: string): boolean {
    if (!pin) return false;
    const expected = Buffer.from(this.sign(destinationId, mappingVersion, body));
    const given = Buffer.from(pin);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/**
 * Whether the destination of a pinned version is the live destination of the same id: the same
 * type, target, delivery role and region. An id re-pointed elsewhere gets the live mapping.
 */
export function sameDestination(pinned: Destination | undefined, live: Destination): boolean {
  return (
    pinned !== undefined &&
    pinned.type === live.type &&
    destinationArn(pinned) === destinationArn(live) &&
    (pinned.roleArn ?? '') === (live.roleArn ?? '')
  );
}

/**
 * Whether the pinned mapping's output reveals nothing the live mapping's does not: every value
 * it delivers, the live mapping delivers too (somewhere). A pin keeps a consumer's view of an
 * event stable, but never at the cost of weaker treatment: raw data the live mapping hashes, a
 * plain hash where it uses `hmac`, a property it drops.
 */
export function revealsNoMore(pinned: DeliveredPayload, live: DeliveredPayload): boolean {
  const allowed = new Set<unknown>();
  collectLeaves(live, (value) => allowed.add(value));
  let weaker = false;
  collectLeaves(pinned, (value) => {
    if (!allowed.has(value)) weaker = true;
  });
  return !weaker;
}

function collectLeaves(value: unknown, visit: (leaf: unknown) => void): void {
  if (value === null || typeof value !== 'object') {
    visit(value);
    return;
  }
  for (const inner of Array.isArray(value) ? value : Object.values(value)) collectLeaves(inner, visit);
}

/** The mapping version a delivery's retry or dead letter keeps, with the dispatcher's pin of it. */
export function pinned(
  delivery: Delivery,
  pins: MappingPins | undefined,
): { mappingVersion?: number; mappingPin?: string } {
  const { mappingVersion, destination, record } = delivery;
  // Without pins the version is still told (a dead letter says which mapping it had), but no
  // retry or redrive will keep it.
  if (!pins) return { mappingVersion };
  return { mappingVersion, mappingPin: pins.sign(destination.id, mappingVersion, record.body) };
}
