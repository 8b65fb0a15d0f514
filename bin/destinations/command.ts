import { type CliResult, UsageError } from '../cli-kit';
import type { OptionValues } from './options';

/** What a command gets: its arguments after the command's name, the flags, and its way in. */
export interface CommandContext<Backend> {
  readonly command: string;
  readonly args: readonly string[];
  readonly values: OptionValues;
  readonly backend: Backend;
}

/** One command: it formats its text and its --json output, once, whichever way it came in. */
export type Command<Backend> = (context: CommandContext<Backend>) => Promise<CliResult>;

/** The command's first `names.length` arguments, or a usage error naming them. */
export function need(context: CommandContext<unknown>, ...names: string[]): string[] {
  if (context.args.length < names.length)
    throw new UsageError(`${context.command} needs ${names.join(' ')}`, context.command);
  return context.args.slice(0, names.length);
}

/** A sub-command's arguments (`workspaces show WORKSPACE`): its name first. */
export function needAfter(context: CommandContext<unknown>, action: string, ...names: string[]): string[] {
  const args = context.args.slice(1);
  if (args.length < names.length || args.slice(0, names.length).some((a) => a === ''))
    throw new UsageError(`${context.command} ${action} needs ${names.join(' ')}`, context.command);
  return args.slice(0, names.length);
}

export const result = (json: unknown, text: string, exitCode = 0): CliResult => ({ json, text, exitCode });

/** A time flag as the API takes it: a date (midnight UTC) or a date and time, as ISO 8601 in UTC. */
export function timeFlag(value: string, flag: string, command: string): string {
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(at))
    throw new UsageError(`--${flag} must be a date (2026-12-31) or an ISO 8601 time`, command);
  return new Date(at).toISOString();
}
