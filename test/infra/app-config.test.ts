import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadStaticWorkspaces } from '../../lib/config/load-static-workspaces';

const root = path.join(__dirname, '..', '..');
const cdkJson = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

describe('loadStaticWorkspaces', () => {
  it('reads the example config cdk.json points to', () => {
    const file = path.join(root, String(cdkJson.context.destinationsFile));
    const app = new App({ context: { destinationsFile: file } });

    const [workspace, ...others] = loadStaticWorkspaces(app.node);

    expect(others).toEqual([]);
    expect(workspace.id).toBe('acme');
    expect(workspace.invokeAccounts).toEqual(['444455556666']);
    expect(workspace.destinations.map((d) => d.id)).toEqual([
      'orders-fn',
      'analytics-fn',
      'orders-fifo',
      'marketing-topic',
      'clickstream',
      'events-bus',
      'orders-queue',
    ]);
  });

  it('prefers inline JSON context over the file', () => {
    const inline = {
      workspaces: [
        {
          id: 'ws-x',
          externalId: 'ext-ws-x-0000000001',
          invokeAccounts: ['111122223333'],
          destinations: [
            {
              id: 'x',
              type: 'lambda',
              functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:x',
              events: ['*'],
            },
          ],
        },
      ],
    };
    const app = new App({
      context: { destinations: JSON.stringify(inline), destinationsFile: '/nonexistent.json' },
    });

    expect(loadStaticWorkspaces(app.node)).toEqual([
      {
        ...inline.workspaces[0],
        status: 'active',
        liveVersion: 0,
        destinations: [{ ...inline.workspaces[0].destinations[0], invocationType: 'Event' }],
      },
    ]);
  });

  it('fails with the file name when the file is missing, and with each bad field when it is invalid', () => {
    expect(() =>
      loadStaticWorkspaces(new App({ context: { destinationsFile: '/nonexistent.json' } }).node),
    ).toThrow(/cannot read destinations file \/nonexistent.json/);
    const bad = (workspace: object) =>
      loadStaticWorkspaces(
        new App({ context: { destinations: JSON.stringify({ workspaces: [workspace] }) } }).node,
      );
    expect(() =>
      bad({ id: 'w', externalId: 'ext-w-000000000001', destinations: [{ id: 'x', type: 'sns' }] }),
    ).toThrow(/workspace "w": destination "x": topicArn/);
    expect(() =>
      loadStaticWorkspaces(new App({ context: { destinations: '[{"id":"x","type":"sns"}]' } }).node),
    ).toThrow(/the config is a list of destinations; it is now \{ "workspaces"/);
    expect(() => loadStaticWorkspaces(new App({ context: { destinations: '[' } }).node)).toThrow(
      /context "destinations" is not valid JSON/,
    );
  });

  it('rejects a role-less function in an account the workspace does not own, and shared accounts or external ids', () => {
    const fn = (account: string) => ({
      id: 'f',
      type: 'lambda',
      functionArn: `arn:aws:lambda:us-east-1:${account}:function:f`,
      events: ['*'],
    });
    const config = {
      workspaces: [
        {
          id: 'a',
          externalId: 'ext-shared-00000001',
          invokeAccounts: ['111111111111'],
          destinations: [fn('222222222222')],
        },
        { id: 'b', externalId: 'ext-shared-00000001', invokeAccounts: ['111111111111'], destinations: [] },
      ],
    };

    let problems: string[] = [];
    try {
      loadStaticWorkspaces(new App({ context: { destinations: JSON.stringify(config) } }).node);
    } catch (error) {
      problems = (error as { problems: string[] }).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(
        /^workspace "a": destination "f": account 222222222222 is not an invoke account of workspace a/,
      ),
      'workspace "b": externalId is another workspace\'s: each workspace needs its own',
      'workspace "b": invoke account 111111111111 already belongs to workspace "a"',
    ]);
  });

  it('returns no workspaces when none are configured', () => {
    expect(loadStaticWorkspaces(new App().node)).toEqual([]);
  });
});
