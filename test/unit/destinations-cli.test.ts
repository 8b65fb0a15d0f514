import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

jest.setTimeout(30_000);

/** Runs `npm run destinations -- …` offline: usage is checked before any AWS call. */
function cli(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bin/destinations.ts', ...args],
    {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, REGISTRY_TABLE: '', NODE_NO_WARNINGS: '1' },
    },
  );
  return { status, stdout, stderr };
}

describe('npm run destinations', () => {
  it('helps, with every command, and on each command', () => {
    const help = cli('--help');
    expect(help.status).toBe(0);
    for (const command of [
      'workspaces',
      'add',
      'update',
      'remove',
      'list',
      'show',
      'diff',
      'publish',
      'versions',
      'rollback',
      'check',
    ]) {
      expect(help.stdout).toContain(`  ${command} `);
    }
    const check = cli('check', '--help');
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('InvocationType DryRun');
  });

  it('exits 2 on a usage error, saying what is wrong', () => {
    expect(cli('frobnicate')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('unknown command "frobnicate"'),
    });
    expect(cli('list', 'acme')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--table NAME, or REGISTRY_TABLE'),
    });
    expect(cli('list', '--colour')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("Unknown option '--colour'"),
    });
  });
});
