import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { ApiError } from '../../lambda/control-plane/http/api-error';
import { RegistryError } from '../../lambda/control-plane/registry/workspace-registry';
import { type Cli, type CliArgs, type CliResult, UsageError } from '../cli-kit';
import { ApiBackend } from './api-backend';
import { ApiCallError, ApiClient, normaliseApiUrl } from './api-client';
import { API_COMMANDS } from './api-commands';
import { findCredential } from './credentials';
import { HELP } from './help';
import { LoginCache } from './login-cache';
import { OPTIONS } from './options';
import { REGISTRY_COMMANDS } from './registry-commands';
import { login, logout, type SessionContext } from './session-commands';
import { type CognitoFor, SignIn } from './sign-in';
import { createTableBackend } from './table-backend';
import { processTerminal, type Terminal } from './terminal';

/** What the CLI reaches outside itself: replaced in tests. */
export interface DestinationsCliDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch: typeof fetch;
  readonly cognito: CognitoFor;
  readonly terminal: () => Terminal;
  readonly now: () => Date;
}

const defaults = (): DestinationsCliDependencies => ({
  env: process.env,
  fetch: (...args) => fetch(...args),
  cognito: (region) => new CognitoIdentityProviderClient({ region }),
  terminal: () => processTerminal(),
  now: () => new Date(),
});

/** Flags only the table takes: the API has its own table, and runs the setup check as the dispatcher. */
const TABLE_ONLY_FLAGS = ['table', 'static-config', 'dispatcher-role-arn'] as const;

/**
 * `npm run destinations`: the same commands through the control-plane API (with --api-url or
 * EVENT_DELIVERY_API_URL) or, for the operator's bootstrap, straight to the registry table.
 */
export function createDestinationsCli(
  overrides: Partial<DestinationsCliDependencies> = {},
): Cli<typeof OPTIONS> {
  const deps = { ...defaults(), ...overrides };
  return {
    name: 'destinations',
    help: ([command = '']) => HELP[Object.hasOwn(HELP, command) ? command : ''],
    json: true,
    positionals: true,
    options: OPTIONS,
    main: (args) => main(args, deps),
  };
}

/** A value the API or the registry refuses is the caller's to fix, as a usage error is: exit 2. */
async function main(
  args: CliArgs<typeof OPTIONS>,
  deps: DestinationsCliDependencies,
): Promise<CliResult | number> {
  try {
    return await run(args, deps);
  } catch (error) {
    const refusedValue =
      (error instanceof RegistryError && error.kind === 'invalid') ||
      ((error instanceof ApiCallError || error instanceof ApiError) && error.status === 400);
    if (refusedValue) throw new UsageError((error as Error).message, args.positionals[0]);
    throw error;
  }
}

async function run({ values, positionals }: CliArgs<typeof OPTIONS>, deps: DestinationsCliDependencies) {
  const [command = '', ...args] = positionals;
  if (command === '' || command === 'help') {
    console.log(HELP['']);
    return 0;
  }
  if (!Object.hasOwn(HELP, command)) throw new UsageError(`unknown command "${command}"`);
  const givenUrl = values['api-url'] || deps.env.EVENT_DELIVERY_API_URL || undefined;

  if (givenUrl) {
    const apiUrl = normaliseApiUrl(givenUrl);
    const tableFlag = TABLE_ONLY_FLAGS.find((flag) => values[flag] !== undefined);
    if (tableFlag)
      throw new UsageError(
        `--${tableFlag} is for the table (the operator's bootstrap), not the API${tableFlag === 'dispatcher-role-arn' ? ': the API runs the check as the dispatcher' : ''}`,
        command,
      );
    const cache = new LoginCache(deps.env);
    const signIn = new SignIn(cache, deps.cognito, deps.terminal(), deps.now);
    if (command === 'login' || command === 'logout') {
      const session: SessionContext = {
        apiUrl,
        values,
        env: deps.env,
        api: new ApiBackend(new ApiClient(apiUrl, undefined, deps.fetch)),
        signIn,
        cache,
      };
      return command === 'login' ? login(session) : logout(session);
    }
    const credential = findCredential(apiUrl, deps.env, cache, signIn);
    if (!credential)
      throw new UsageError(
        `no credentials for ${apiUrl}: npm run destinations -- login --api-url ${apiUrl}, or set EVENT_DELIVERY_API_KEY or EVENT_DELIVERY_TOKEN`,
        command,
      );
    const backend = new ApiBackend(new ApiClient(apiUrl, credential, deps.fetch));
    const context = { command, args, values, backend };
    return (REGISTRY_COMMANDS[command] ?? API_COMMANDS[command])(context);
  }

  if (command === 'login' || command === 'logout' || Object.hasOwn(API_COMMANDS, command))
    throw new UsageError(
      `${command} needs the API: --api-url URL, or EVENT_DELIVERY_API_URL (the table is for the operator's bootstrap)`,
      command,
    );
  const tableName = values.table ?? deps.env.REGISTRY_TABLE;
  if (!tableName)
    throw new UsageError(
      "give the API: --api-url URL, or EVENT_DELIVERY_API_URL; or, for the operator's bootstrap, the registry table: --table NAME, or REGISTRY_TABLE",
      command,
    );
  const backend = await createTableBackend({
    tableName,
    staticConfigFile: values['static-config'] ?? deps.env.STATIC_CONFIG,
    dispatcherRoleArn: values['dispatcher-role-arn'] ?? deps.env.DISPATCHER_ROLE_ARN,
  });
  return REGISTRY_COMMANDS[command]({ command, args, values, backend });
}
