import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DestinationInput } from '../../lambda/shared/destination-config';
import { EMULATOR_CREDENTIALS } from '../../local/accounts';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import { runDestinations } from '../support/destinations-cli-harness';

jest.setTimeout(180_000);

/** `npm run destinations` as a customer uses it: signed in, through the API only, on the local platform. */
describe('npm run destinations against the control-plane API (local platform)', () => {
  let pipeline: LocalPipeline;
  let env: Record<string, string>;
  const workspace = 'workspace-1';
  const provisioned: DestinationInput[] = [];
  const cli = (argv: string[], extra: Record<string, string> = {}) =>
    runDestinations(argv, {
      env: { ...env, ...extra },
      cognito: (region) =>
        new CognitoIdentityProviderClient({
          region,
          endpoint: pipeline.messagingEndpoint,
          credentials: EMULATOR_CREDENTIALS,
        }),
    });

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({
      workspaces: 1,
      configure: (_workspace, destinations) => {
        provisioned.push(...destinations);
        return [];
      },
      controlPlane: { seedAccess: true },
    });
    const { controlPlane, access } = pipeline;
    if (!controlPlane || !access) throw new Error('the control plane did not start');
    env = {
      EVENT_DELIVERY_API_URL: controlPlane.apiUrl,
      XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), 'destinations-cli-')),
    };
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('signs in and caches the tokens for the user alone', async () => {
    // Act
    const login = await cli(['login', '--username', `admin@${workspace}.local`], {
      EVENT_DELIVERY_PASSWORD: pipeline.access?.workspaces[workspace].users.admin.password ?? '',
    });
    const whoami = await cli(['whoami', '--json']);

    // Assess
    expect(login.status).toBe(0);
    expect(statSync(path.join(env.XDG_CONFIG_HOME, 'event-delivery', 'credentials.json')).mode & 0o777).toBe(
      0o600,
    );
    expect(whoami.status).toBe(0);
    expect(JSON.parse(whoami.stdout).workspaces).toEqual([{ workspace, role: 'admin' }]);
  });

  it('adds, checks, publishes and rolls back, with the same commands as before', async () => {
    // Prepare
    const topic = provisioned.find((d) => d.id === DESTINATION_IDS.topic) as {
      topicArn: string;
      roleArn: string;
    };

    // Act
    const added = await cli([
      'add',
      workspace,
      DESTINATION_IDS.topic,
      '--region',
      'us-east-1',
      '--topic-arn',
      topic.topicArn,
      '--role-arn',
      topic.roleArn,
    ]);
    const checked = await cli(['check', workspace, DESTINATION_IDS.topic, '--send-test-event', '--json']);
    const published = await cli(['publish', workspace, '--note', 'from the CLI', '--json']);
    const rolledBack = await cli(['rollback', workspace, '--json']);
    const audit = await cli(['audit', workspace, '--json']);

    // Assess
    expect(added.status).toBe(0);
    expect({ status: checked.status, ok: JSON.parse(checked.stdout).ok }).toEqual({ status: 0, ok: true });
    expect(JSON.parse(published.stdout)).toMatchObject({ version: 2, note: 'from the CLI' });
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ version: 3, restoredVersion: 1 });
    const actions = JSON.parse(audit.stdout).events.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 3)).toEqual(['workspace.rollback', 'workspace.publish', 'destination.create']);
  });

  it("works with a workspace API key, and exits 1 on another workspace's routes, 2 on a bad value", async () => {
    // Prepare
    const key = { EVENT_DELIVERY_API_KEY: pipeline.access?.workspaces[workspace].apiKey ?? '' };

    // Act
    const listed = await cli(['list', workspace, '--json'], key);
    const elsewhere = await cli(['list', 'workspace-2'], key);
    const bad = await cli(['add', workspace, 'broken', '--topic-arn', 'not-an-arn'], key);

    // Assess
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ workspace, liveVersion: 3 });
    expect(elsewhere.status).toBe(1);
    expect(elsewhere.stderr).toMatch(/WorkspaceNotFound|no workspace/);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/topicArn/);
  });
});
