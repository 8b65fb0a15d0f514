import * as z from 'zod/mini';
import './zod-messages';

/**
 * Consent: an ingest message may list the categories its visitor granted (`consent`, top level,
 * never delivered); a destination may require categories (`requiredConsent`). An event lacking
 * one is not delivered there: counted as blocked by consent, neither dead-lettered nor retried.
 */
export const ConsentCategorySchema = z
  .string()
  .check(z.regex(/^[a-z0-9_-]{1,64}$/, 'must be 1-64 lower-case letters, digits, "-" or "_"'));

/** Whether every category a destination requires was granted. */
export const consentAllows = (
  granted: readonly string[] | undefined,
  required: readonly string[] | undefined,
) => !required || required.every((category) => granted?.includes(category));
