import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini keeps bundles small (13 KB, not 440 KB) but ships no messages: load English ones once.
z.config(en());

/**
 * Messages for parsing what visitors and producers send, passed per parse
 * (`schema.safeParse(input, { error: inputSafeMessages })`): zod's English messages name the
 * schema's rules, except for unrecognized keys, which it quotes; a producer's unknown key may be
 * an email address, so it is counted, never named. Other issues keep their usual message.
 */
export const inputSafeMessages: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'unrecognized_keys'
    ? `Unrecognized key${issue.keys.length > 1 ? `s (${issue.keys.length})` : ''}`
    : undefined;
