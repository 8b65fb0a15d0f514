import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { compileFunction } from 'node:vm';
import * as ts from 'typescript';
import type { Cli, CliOptions } from '../../bin/cli-kit';
import * as demo from '../../bin/demo';
import * as destinationStatus from '../../bin/destination-status';
import * as destinations from '../../bin/destinations';
import * as redrive from '../../bin/redrive';
import * as sendTestEvents from '../../bin/send-test-events';
import * as trace from '../../bin/trace';
import { type DestinationType, parseDestinations } from '../../lambda/shared/destination-config';
import { destinationFields } from '../../lambda/shared/destination-types';

/*
 * Every CLI's --help against its parser. A flag is documented where its help names it, outside
 * another command's example (`npm run redrive -- …`, `aws …`). A default is stated as
 * `(default VALUE)`, `default "VALUE"` or `(default ENV_VAR)`, for the flag its line starts with
 * (or the last flag before it on the line); `(default: words)` describes what happens instead
 * (the queue URL's region, a random seed) and is not compared.
 */

jest.setTimeout(30_000);

const BIN = path.join(__dirname, '..', '..', 'bin');

interface HelpedCli {
  readonly name: string;
  readonly helps: readonly string[];
  readonly options: CliOptions;
  readonly json: boolean;
  /** What the CLI applies for a flag left out when its parser has no default. */
  readonly appliedDefault?: (flag: string) => unknown;
}

const exported = (cli: Cli<CliOptions>, helps = [cli.help as string]): HelpedCli => ({
  name: cli.name,
  helps,
  options: cli.options,
  json: cli.json ?? false,
});

/** bin/local.ts exports nothing (another team's file): its HELP and OPTIONS, evaluated from its source. */
function localCli(): HelpedCli {
  const file = path.join(BIN, 'local.ts');
  const source = readFileSync(file, 'utf8');
  const { outputText } = ts.transpileModule(`${source}\nexport { HELP, OPTIONS };`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true },
  });
  const module = { exports: {} as { HELP: string; OPTIONS: CliOptions } };
  // Its imports through jest's require; `require.main === module` is false, so it does not start.
  const load = (id: string) => require(id.startsWith('.') ? path.join(BIN, id) : id);
  compileFunction(outputText, ['exports', 'require', 'module'])(module.exports, load, module);
  const { HELP, OPTIONS } = module.exports;
  return { name: 'local', helps: [HELP], options: OPTIONS, json: /runCli\(\{[^}]*\bjson: true/.test(source) };
}

const RESOURCE_FLAGS: Record<DestinationType, string> = {
  lambda: 'function-arn',
  sns: 'topic-arn',
  kinesis: 'stream-arn',
  eventbridge: 'event-bus-arn',
  sqs: 'queue-arn',
};
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * What `destinations add` gives a destination for a flag left out. Its field flags have no parser
 * defaults (`update` changes only the flags given): the schema's defaults, or the CLI's own, apply.
 */
function destinationDefault(flag: string): unknown {
  for (const [type, resourceFlag] of Object.entries(RESOURCE_FLAGS) as [DestinationType, string][]) {
    const example = (name: string) =>
      destinationFields(type).find((field) => field.name === name)?.example as string | undefined;
    const values = { [resourceFlag]: example(camel(resourceFlag)), 'role-arn': example('roleArn') };
    const [spec] = parseDestinations([destinations.destinationFrom('d', values, undefined)]);
    if (camel(flag) in spec) return spec[camel(flag) as keyof typeof spec];
  }
  return undefined;
}

const CLIS: HelpedCli[] = [
  exported(demo.CLI),
  localCli(),
  {
    ...exported(destinations.CLI, Object.values(destinations.HELP)),
    appliedDefault: destinationDefault,
  },
  exported(sendTestEvents.CLI),
  exported(redrive.CLI),
  exported(trace.CLI),
  exported(destinationStatus.CLI),
];

const FLAG = /--([a-z][a-z0-9-]*)/g;

/** The help's lines with other commands' examples cut off: their flags are not this CLI's. */
function ownLines(cli: HelpedCli): string[] {
  return cli.helps
    .join('\n\n')
    .split('\n')
    .map((line) => {
      const other = /\bnpm run (?:--silent )?(\S+) -- /.exec(line);
      if (other && other[1] !== cli.name) return line.slice(0, other.index);
      return /^\s*aws\s/.test(line) ? '' : line;
    });
}

function documentedFlags(cli: HelpedCli): Set<string> {
  return new Set(ownLines(cli).flatMap((line) => [...line.matchAll(FLAG)].map((match) => match[1])));
}

function acceptedFlags(cli: HelpedCli): Set<string> {
  return new Set([...Object.keys(cli.options), 'help', ...(cli.json ? ['json'] : [])]);
}

/** Each default the help states, with the flag it belongs to. */
function statedDefaults(cli: HelpedCli): { flag: string; stated: string }[] {
  const stated: { flag: string; stated: string }[] = [];
  let entry: string | undefined;
  for (const line of ownLines(cli)) {
    // An option's description goes on over indented lines; anything else ends it.
    if (!/^\s{2}/.test(line)) entry = undefined;
    entry = /^\s*--([a-z][a-z0-9-]*)/.exec(line)?.[1] ?? entry;
    for (const match of line.matchAll(/\bdefault\b(?!:)\s*([^;:,)]*)/g)) {
      const value = match[1].trim().replace(/^"(.*)"$/, '$1');
      const flag = [...line.slice(0, match.index).matchAll(FLAG)].at(-1)?.[1] ?? entry;
      if (value !== '' && flag) stated.push({ flag, stated: value });
    }
  }
  return stated;
}

/** Stated defaults that are not what the CLI applies: the parser's default, else (say) the schema's. */
function wrongDefaults(cli: HelpedCli): string[] {
  const wrong = statedDefaults(cli).flatMap(({ flag, stated }) => {
    const option = cli.options[flag];
    const parsed = option?.default;
    const applied = parsed ?? cli.appliedDefault?.(flag);
    // An environment variable's name: the parser leaves the option unset for the CLI to read it.
    const expected = /^[A-Z][A-Z0-9_]+$/.test(stated) ? undefined : option?.multiple ? [stated] : stated;
    const actual = Array.isArray(applied) && !option?.multiple ? applied.join(',') : applied;
    const same =
      expected === undefined
        ? parsed === undefined
        : JSON.stringify(Array.isArray(actual) ? actual : String(actual)) === JSON.stringify(expected);
    return same ? [] : [`--${flag}: help says default ${stated}, the CLI applies ${JSON.stringify(applied)}`];
  });
  // Commands share option texts (destinations' add and update): one finding each.
  return [...new Set(wrong)];
}

const difference = (a: Set<string>, b: Set<string>) => [...a].filter((item) => !b.has(item)).sort();

describe.each(CLIS)('npm run $name -- --help', (cli) => {
  it('documents every option the parser accepts, and no other', () => {
    // Act
    const documented = documentedFlags(cli);
    const accepted = acceptedFlags(cli);

    // Assess
    expect({
      documentedNotAccepted: difference(documented, accepted),
      acceptedNotDocumented: difference(accepted, documented),
    }).toEqual({ documentedNotAccepted: [], acceptedNotDocumented: [] });
  });

  it('states the defaults the CLI applies', () => {
    expect(wrongDefaults(cli)).toEqual([]);
  });
});

describe('the help checks', () => {
  const cli: HelpedCli = {
    name: 'tool',
    helps: [
      `npm run tool -- --count N [options]

  --count N      how many (default 3)
  --names A      names, repeatable (default alice); each one then
                 goes to npm run other -- --other-flag
  --region R     the region (default: the queue URL's)
  --table NAME   the table (default TOOL_TABLE)
  --gone         a flag the parser no longer has`,
    ],
    options: {
      count: { type: 'string', default: '5' },
      names: { type: 'string', multiple: true, default: ['bob'] },
      region: { type: 'string' },
      table: { type: 'string', default: 'x' },
      extra: { type: 'boolean' },
    },
    json: true,
  };

  it('finds flags documented but not accepted, and accepted but not documented', () => {
    expect(difference(documentedFlags(cli), acceptedFlags(cli))).toEqual(['gone']);
    expect(difference(acceptedFlags(cli), documentedFlags(cli))).toEqual(['extra', 'help', 'json']);
  });

  it('finds defaults the help states wrongly, and leaves described ones alone', () => {
    expect(wrongDefaults(cli)).toEqual([
      '--count: help says default 3, the CLI applies "5"',
      '--names: help says default alice, the CLI applies ["bob"]',
      '--table: help says default TOOL_TABLE, the CLI applies "x"',
    ]);
  });
});
