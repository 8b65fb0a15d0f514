import { type Cli, type CliIo, type CliOptions, type CliResult, runCli, UsageError } from '../../bin/cli-kit';

const OPTIONS = { count: { type: 'string' } } satisfies CliOptions;

/** Runs a CLI on `argv` and tells what it printed and its exit status. */
async function run(cli: Partial<Cli<typeof OPTIONS>>, argv: string[], env: Record<string, string> = {}) {
  const printed = { stdout: '', stderr: '', code: -1 };
  const io: CliIo = {
    argv,
    env,
    write: async (to, text) => {
      printed[to] += text;
    },
    exit: (code) => {
      printed.code = code;
    },
  };
  await runCli(
    { name: 'tool', help: 'npm run tool -- [--count N]', options: OPTIONS, main: async () => 0, ...cli },
    io,
  );
  return printed;
}

describe('runCli', () => {
  it('prints the result for people and exits 0', async () => {
    // Prepare
    const main = async ({ values }: { values: { count?: string } }): Promise<CliResult> => ({
      json: { count: Number(values.count) },
      text: `counted ${values.count}`,
    });

    // Act
    const printed = await run({ main, json: true }, ['--count', '3']);

    // Assess
    expect(printed).toEqual({ stdout: 'counted 3\n', stderr: '', code: 0 });
  });

  it('prints the result as one JSON document on stdout with --json', async () => {
    // Prepare
    const main = async (): Promise<CliResult> => ({ json: { moved: 2, failed: 0 }, text: 'moved 2' });

    // Act
    const printed = await run({ main, json: true }, ['--json']);

    // Assess
    expect(printed).toEqual({ stdout: '{\n  "moved": 2,\n  "failed": 0\n}\n', stderr: '', code: 0 });
    expect(JSON.parse(printed.stdout)).toEqual({ moved: 2, failed: 0 });
  });

  it('exits with the status a result carries, and prints text where it says', async () => {
    // Prepare
    const main = async (): Promise<CliResult> => ({ json: {}, text: 'FAIL', exitCode: 1, textTo: 'stderr' });

    // Act
    const printed = await run({ main }, []);

    // Assess
    expect(printed).toEqual({ stdout: '', stderr: 'FAIL\n', code: 1 });
  });

  it('refuses --json where the CLI does not offer it', async () => {
    // Act
    const printed = await run({}, ['--json']);

    // Assess
    expect(printed.code).toBe(2);
    expect(printed.stderr).toContain("Unknown option '--json'");
  });

  it('prints the help and exits 0 on --help, without running main', async () => {
    // Prepare
    const main = jest.fn(async () => 0);

    // Act
    const printed = await run({ main }, ['--help']);

    // Assess
    expect(printed).toEqual({ stdout: 'npm run tool -- [--count N]\n', stderr: '', code: 0 });
    expect(main).not.toHaveBeenCalled();
  });

  it("prints a command's help in a CLI with commands", async () => {
    // Act
    const printed = await run(
      { positionals: true, help: ([command]) => `help for ${command ?? 'everything'}` },
      ['check', '--help'],
    );

    // Assess
    expect(printed).toEqual({ stdout: 'help for check\n', stderr: '', code: 0 });
  });

  it('exits 2 on a usage error with its message and a pointer to --help', async () => {
    // Prepare
    const main = async () => {
      throw new UsageError('--count is required');
    };

    // Act
    const printed = await run({ main }, []);

    // Assess
    expect(printed).toEqual({
      stdout: '',
      stderr: '--count is required\nSee: npm run tool -- --help\n',
      code: 2,
    });
  });

  it("points at the command's help when a usage error names it", async () => {
    // Prepare
    const main = async () => {
      throw new UsageError('check needs WORKSPACE DESTINATION', 'check');
    };

    // Act
    const printed = await run({ main, positionals: true }, ['check']);

    // Assess
    expect(printed.stderr).toBe('check needs WORKSPACE DESTINATION\nSee: npm run tool -- check --help\n');
    expect(printed.code).toBe(2);
  });

  it('exits 2 on an unknown option, a missing value or an unexpected argument', async () => {
    // Act
    const unknown = await run({}, ['--colour']);
    const missing = await run({}, ['--count']);
    const positional = await run({}, ['extra']);

    // Assess
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown option '--colour'.*\nSee: npm run tool -- --help\n$/s);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^Option '--count <value>' argument missing\nSee: npm run tool -- --help\n$/,
    );
    expect(positional.code).toBe(2);
    expect(positional.stderr).toMatch(/^Unexpected argument 'extra'.*\nSee: npm run tool -- --help\n$/s);
  });

  it('exits 1 on a failure with a short message, the stack only with DEBUG', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to perform sqs:ReceiveMessage'), {
      name: 'AccessDenied',
    });
    const main = async () => {
      throw denied;
    };

    // Act
    const quiet = await run({ main }, []);
    const plain = await run(
      {
        main: async () => {
          throw new Error('the table is gone');
        },
      },
      [],
    );
    const debug = await run({ main }, [], { DEBUG: '1' });

    // Assess
    expect(quiet).toEqual({
      stdout: '',
      stderr: 'AccessDenied: not authorized to perform sqs:ReceiveMessage\n',
      code: 1,
    });
    expect(plain).toEqual({ stdout: '', stderr: 'the table is gone\n', code: 1 });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toBe(`${denied.stack}\n`);
  });
});
