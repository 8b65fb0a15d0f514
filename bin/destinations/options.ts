import type { CliArgs, CliOptions } from '../cli-kit';

/** Every flag of `npm run destinations`: the help (help.ts) documents each one, as a test checks. */
export const OPTIONS = {
  'api-url': { type: 'string' },
  table: { type: 'string' },
  'static-config': { type: 'string' },
  'function-arn': { type: 'string' },
  'function-name': { type: 'string' },
  region: { type: 'string' },
  account: { type: 'string' },
  'invocation-type': { type: 'string' },
  'topic-arn': { type: 'string' },
  'stream-arn': { type: 'string' },
  'event-bus-arn': { type: 'string' },
  source: { type: 'string' },
  'queue-arn': { type: 'string' },
  'role-arn': { type: 'string' },
  events: { type: 'string' },
  'offload-oversize': { type: 'boolean' },
  'max-events-per-second': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'required-consent': { type: 'string' },
  file: { type: 'string' },
  clear: { type: 'boolean', default: false },
  'events-file': { type: 'string' },
  draft: { type: 'boolean', default: false },
  format: { type: 'string', default: 'json' },
  note: { type: 'string' },
  to: { type: 'string' },
  'send-test-event': { type: 'boolean', default: false },
  'dispatcher-role-arn': { type: 'string' },
  username: { type: 'string' },
  'mfa-code': { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
  'expires-at': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  window: { type: 'string' },
  'visitor-id': { type: 'string' },
  destination: { type: 'string' },
  code: { type: 'string' },
  from: { type: 'string' },
  all: { type: 'boolean', default: false },
  'dead-letter-threshold': { type: 'string' },
} satisfies CliOptions;

/** The parsed flags, typed from OPTIONS. */
export type OptionValues = CliArgs<typeof OPTIONS>['values'];

/** Flags as loosely as a test or another caller gives them. */
export type Values = Readonly<Record<string, string | boolean | undefined>>;
