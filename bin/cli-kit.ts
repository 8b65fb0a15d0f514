import { type ParseArgsConfig, parseArgs } from 'node:util';
// Before any SDK client exists: the SDK checks the Node.js version when the first one is created.
import './aws-sdk-node-notice';

/** Wrong or missing arguments, or a value the CLI refuses: exit 2 with a pointer to --help. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help the pointer names, in a CLI with commands. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a CLI produced: `text` for people, `json` for scripts (with --json). */
export interface CliResult {
  readonly json: unknown;
  readonly text: string;
  /** 1 when the operation ran but did not succeed (a failed check, letters left behind). @default 0 */
  readonly exitCode?: number;
  /** Where `text` goes. @default 'stdout' */
  readonly textTo?: 'stdout' | 'stderr';
}

/** A CLI's options, declared `const OPTIONS = {…} satisfies CliOptions` to keep their types. */
export type CliOptions = NonNullable<ParseArgsConfig['options']>;
/** What `main` gets: the options' values, typed from their declaration, and the positionals. */
export type CliArgs<O extends CliOptions> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

export interface Cli<O extends CliOptions> {
  /** The npm script that runs it: `npm run <name>`. */
  readonly name: string;
  /** What --help prints; per command in a CLI with commands. */
  readonly help: string | ((positionals: readonly string[]) => string);
  /** The CLI's own options: the kit adds --help, and --json when `json` is set. */
  readonly options: O;
  /** @default false */
  readonly positionals?: boolean;
  /** Offers --json: a result is printed as one JSON document on stdout. @default false */
  readonly json?: boolean;
  /** A result to print, or an exit status when it printed (or served) on its own. */
  readonly main: (args: CliArgs<O>) => Promise<CliResult | number>;
}

export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  write(to: 'stdout' | 'stderr', text: string): Promise<void>;
  exit(code: number): void;
}

const processIo = (): CliIo => ({
  argv: process.argv.slice(2),
  env: process.env,
  // Resolves once written: exiting with a write still queued (a pipe on macOS) would cut it short.
  write: (to, text) => new Promise((resolve) => process[to].write(text, () => resolve())),
  exit: (code) => process.exit(code),
});

/**
 * Runs a CLI and exits: 0 done, 1 failed (a short message; the stack with DEBUG set), 2 usage
 * (the message and a pointer to --help). Every CLI parses, helps, prints and fails the same way.
 */
export async function runCli<O extends CliOptions>(cli: Cli<O>, io: CliIo = processIo()): Promise<void> {
  io.exit(await run(cli, io));
}

async function run<O extends CliOptions>(cli: Cli<O>, io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parse(cli, io.argv);
    const { help, json, ...own } = values;
    if (help) {
      await io.write('stdout', lines(typeof cli.help === 'string' ? cli.help : cli.help(positionals)));
      return 0;
    }
    const outcome = await cli.main({ values: own, positionals } as CliArgs<O>);
    if (typeof outcome === 'number') return outcome;
    if (json) await io.write('stdout', `${JSON.stringify(outcome.json, null, 2)}\n`);
    else await io.write(outcome.textTo ?? 'stdout', lines(outcome.text));
    return outcome.exitCode ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      const command = error.command ? `${error.command} ` : '';
      await io.write('stderr', `${error.message}\nSee: npm run ${cli.name} -- ${command}--help\n`);
      return 2;
    }
    const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
    await io.write(
      'stderr',
      lines(io.env.DEBUG && stack ? stack : name === 'Error' ? message : `${name}: ${message}`),
    );
    return 1;
  }
}

function parse<O extends CliOptions>(cli: Cli<O>, args: readonly string[]) {
  try {
    return parseArgs({
      args,
      options: {
        ...cli.options,
        help: { type: 'boolean', default: false },
        ...(cli.json && { json: { type: 'boolean', default: false } }),
      },
      allowPositionals: cli.positionals ?? false,
      strict: true,
    }) as { values: Record<string, unknown>; positionals: string[] };
  } catch (error) {
    // Unknown option, missing value, unexpected argument: the caller's mistake, not a failure.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((error as Error).message);
    throw error;
  }
}

const lines = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);
