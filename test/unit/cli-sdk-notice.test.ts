import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

jest.setTimeout(30_000);

const NOTICE = 'NodeVersionSupportWarning';
/** The AWS SDK gives its notice below Node.js 22 only. */
const SDK_WARNS = Number(process.versions.node.split('.')[0]) < 22;

/** A CLI that creates an SDK client and calls a closed port: it fails fast, after the SDK's version check. */
function listDestinationStatus(env: Record<string, string>) {
  const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _, ...inherited } = process.env;
  const { status, stderr } = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bin/destination-status.ts', 'list', '--table', 'status'],
    {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...inherited, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1', ...env },
    },
  );
  return { status, stderr };
}

describe("the AWS SDK's Node.js version notice", () => {
  it('is not printed by the CLIs', () => {
    // Act
    const run = listDestinationStatus({});

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).not.toContain(NOTICE);
  });

  it('is printed when the variable asks for it', () => {
    // Act
    const run = listDestinationStatus({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });

    // Assess
    expect(run.stderr.includes(NOTICE)).toBe(SDK_WARNS);
  });
});
