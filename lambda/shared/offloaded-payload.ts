import * as z from 'zod/mini';
import './zod-messages';

/**
 * The pointer envelope delivered in place of an event too large for its destination: the
 * payload itself is in the platform's payload bucket, readable only by the destination's
 * delivery role. Deliberately not a valid delivered payload (no `event`, no `visitor`), so a
 * consumer that does not know the envelope fails on it instead of processing half an event.
 */
export const OFFLOADED_PAYLOAD_KEY = 'offloaded_payload';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const OffloadedPayloadSchema = z.strictObject({
  [OFFLOADED_PAYLOAD_KEY]: z.strictObject({
    bucket: z.string().check(z.minLength(3), z.maxLength(63)),
    key: z.string().check(z.minLength(1), z.maxLength(1024)),
    region: z.string().check(z.regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/)),
    /** Size of the stored JSON in bytes, checked on read. */
    bytes: z.int().check(z.positive()),
    /** SHA-256 of the stored JSON, hex, checked on read. */
    sha256: z.string().check(z.regex(SHA256_HEX)),
    /** The event's id, so logs and dead letters can name it without reading the payload. */
    distinct_id: z.string().check(z.minLength(1), z.maxLength(400)),
  }),
});

export type OffloadedPayload = z.infer<typeof OffloadedPayloadSchema>;
export type PayloadLocation = OffloadedPayload[typeof OFFLOADED_PAYLOAD_KEY];

/** Whether a delivered message is a pointer envelope (valid or not): it carries the envelope key. */
export function looksOffloaded(message: unknown): boolean {
  return typeof message === 'object' && message !== null && OFFLOADED_PAYLOAD_KEY in message;
}
