import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { emulatorClient } from '../../local/accounts';
import { LocalPipeline } from '../../local/pipeline';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';
import { ApiClient, signIn } from '../support/control-plane-client';

jest.setTimeout(180_000);

/**
 * A workspace sets its alert channel (its own topic, through its delivery role) through the API,
 * tests it, and is told when its failing function's circuit opens; the other workspace, without
 * a channel, is told nothing and sees nothing.
 */
describe('workspace alerts on the local platform', () => {
  let pipeline: LocalPipeline;
  let admin: ApiClient;
  let alertQueueUrl: string;
  let sqs: SQSClient;
  const received: Record<string, unknown>[] = [];

  const drainAlerts = async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: alertQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of Messages) received.push(JSON.parse(JSON.parse(m.Body ?? '{}').Message));
  };

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({
      workspaces: 2,
      controlPlane: { seedAccess: true },
      dispatcherLogFile: path.join(mkdtempSync(path.join(tmpdir(), 'alerts-')), 'dispatcher.log'),
      destinationFaults: [{ destinationId: 'workspace-1/customer-fn', kind: 'server-error', seconds: 20 }],
    });
    const { controlPlane, access } = pipeline;
    if (!controlPlane || !access) throw new Error('the control plane did not start');
    const workspace = pipeline.resources.workspaces[0];
    // The customer's own alert topic and a queue on it, in its own account.
    const sns = emulatorClient(SNSClient, pipeline.messagingEndpoint, workspace.account);
    sqs = emulatorClient(SQSClient, pipeline.messagingEndpoint, workspace.account);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'delivery-alerts' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'delivery-alerts' }));
    alertQueueUrl = QueueUrl ?? '';
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: alertQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }));
    admin = new ApiClient(
      controlPlane.apiUrl,
      await signIn(
        pipeline.messagingEndpoint,
        controlPlane.userPoolClientId,
        access.workspaces['workspace-1'].users.admin,
      ),
    );
    const set = await admin.call('PUT', '/v1/workspaces/workspace-1/alerts', {
      body: {
        channel: { topicArn: TopicArn, roleArn: workspace.deliveryRoleArn, deadLetterThreshold: 1000 },
      },
    });
    expect(set.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('sends a test alert to the channel', async () => {
    // Act
    const tested = await admin.post('/v1/workspaces/workspace-1/alerts/test');
    await drainAlerts();

    // Assess
    expect(tested.body).toEqual({ sent: true });
    expect(received).toEqual([
      expect.objectContaining({ type: 'AlertChannelTest', workspace: 'workspace-1' }),
    ]);
  });

  it("tells the workspace when its function's circuit opens, once, and nothing of it to the other workspace", async () => {
    // Prepare
    received.length = 0;
    const events = generateEvents(60, {
      random: seededRandom(25),
      visitors: 6,
      workspaces: ['workspace-1', 'workspace-2'],
    });

    // Act
    await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, events);
    expect(await pipeline.waitUntilDrained(120_000)).toBe(true);
    for (let i = 0; i < 3; i++) await drainAlerts();

    // Assess
    const opened = received.filter((m) => m.type === 'DestinationCircuitOpened');
    expect(opened).toEqual([
      expect.objectContaining({
        workspace: 'workspace-1',
        destination: 'customer-fn',
        reason: expect.any(String),
      }),
    ]);
    expect(received.every((m) => m.workspace === 'workspace-1')).toBe(true);
    const other = await new ApiClient(
      pipeline.controlPlane?.apiUrl ?? '',
      pipeline.access?.workspaces['workspace-2'].apiKey,
    ).get('/v1/workspaces/workspace-2/alerts');
    expect(other.body).toEqual({ channel: null });
  });
});
