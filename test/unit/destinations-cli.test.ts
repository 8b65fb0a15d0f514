import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { OPTIONS } from '../../bin/destinations';
import type { DestinationType } from '../../lambda/shared/destination-config';
import { destinationFields } from '../../lambda/shared/destination-types';

jest.setTimeout(30_000);

/** Runs `npm run destinations -- …` offline: usage is checked before any AWS call. */
function cli(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bin/destinations.ts', ...args],
    {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, REGISTRY_TABLE: '', EVENT_DELIVERY_API_URL: '' },
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
      'login',
      'logout',
      'whoami',
      'types',
      'trust-policy',
      'members',
      'api-keys',
      'audit',
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
      stderr: expect.stringContaining('--api-url URL, or EVENT_DELIVERY_API_URL'),
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

describe('the destinations CLI flags', () => {
  const TYPES: readonly DestinationType[] = ['lambda', 'sns', 'kinesis', 'eventbridge', 'sqs'];
  // The id is the command's argument; a mapping is set with `mapping set`.
  const NOT_FLAGS = new Set(['id', 'mapping']);

  it.each(TYPES)('offer a flag for every field of a %s destination', (type) => {
    // Prepare
    const fields = destinationFields(type).filter((field) => !NOT_FLAGS.has(field.name));

    // Act
    const missing = fields
      .map((field) => field.name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`))
      .filter((flag) => !(flag in OPTIONS));

    // Assess
    expect(missing).toEqual([]);
  });
});
