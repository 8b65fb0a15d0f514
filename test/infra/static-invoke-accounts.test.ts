import type { WorkspaceRecord } from '../../lambda/shared/workspace';
import { PlatformStack } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';

const env = { account: '999999999999', region: 'us-east-1' };

describe('EventDispatcher static workspaces', () => {
  it('refuses at synth records that give one invoke account to two workspaces, though they skipped parseStaticWorkspaces', () => {
    // Prepare: records built in code, not read from a config file.
    const record = (id: string): WorkspaceRecord => ({
      id,
      externalId: `${id}-external-id-0001`,
      status: 'active',
      liveVersion: 0,
      destinations: [],
      invokeAccounts: ['444455556666'],
    });

    // Act
    const synth = () =>
      new PlatformStack(testApp(), 'Platform', { env, staticWorkspaces: [record('a'), record('b')] });

    // Assess
    expect(synth).toThrow('workspace "b": invoke account 444455556666 already belongs to workspace "a"');
  });
});
