import * as z from 'zod/mini';
import './zod-messages';

/** A destination id: also what an ingest message's `destinations` may name, so no other text is ever echoed. */
export const DESTINATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DESTINATION_ID_RULE = 'must be 1-64 characters of letters, digits, "-" or "_"';
export const DestinationIdSchema = z.string().check(z.regex(DESTINATION_ID_PATTERN, DESTINATION_ID_RULE));
