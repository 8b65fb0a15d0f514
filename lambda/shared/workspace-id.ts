import * as z from 'zod/mini';
import './zod-messages';

/** A workspace id: one customer of the platform. Every ingest message names one. */
export const WORKSPACE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const WORKSPACE_ID_RULE = 'must be 1-64 characters of letters, digits, "-" or "_"';
export const WorkspaceIdSchema = z.string().check(z.regex(WORKSPACE_ID_PATTERN, WORKSPACE_ID_RULE));
