import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import { DestinationClients } from '../../lambda/dispatcher/deliver/clients';
import {
  assumedRoleCredentials,
  CUSTOMER_ROLE,
  EXTERNAL_ID,
  fifoTopicDestination,
  lambdaDestination,
  standardTopicDestination,
} from '../support/fixtures';

// fromTemporaryCredentials calls STS through the SDK's nested STS client.
const sts = mockClient(STSClient);

describe('DestinationClients', () => {
  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).resolves(assumedRoleCredentials());
  });

  it('keeps one client per service, region, role and external id', () => {
    const clients = new DestinationClients({ sessionName: 'event-dispatcher' });

    const fifo = clients.client(SNSClient, fifoTopicDestination);

    expect(
      clients.client(SNSClient, {
        ...fifoTopicDestination,
        id: 'other',
        topicArn: `${fifoTopicDestination.topicArn}2`,
      }),
    ).toBe(fifo);
    expect(clients.client(SNSClient, standardTopicDestination)).not.toBe(fifo); // eu-west-1
    expect(clients.client(SNSClient, { ...fifoTopicDestination, externalId: 'another-id' })).not.toBe(fifo);
  });

  it('keeps at most maxClients, dropping the least recently used: memory bounded however many roles', async () => {
    // Prepare
    const clients = new DestinationClients({ sessionName: 'event-dispatcher', maxClients: 3 });
    const roleOf = (n: number) => ({ ...fifoTopicDestination, roleArn: `${CUSTOMER_ROLE}-${n}` });
    const [first, second] = [clients.client(SNSClient, roleOf(1)), clients.client(SNSClient, roleOf(2))];
    clients.client(SNSClient, roleOf(3));

    // Act: the first is used again, then a fourth role comes
    expect(clients.client(SNSClient, roleOf(1))).toBe(first);
    clients.client(SNSClient, roleOf(4));

    // Assess: the second, least recently used, went; the first stayed; a fifth and more never grow it
    expect(clients.size).toBe(3);
    expect(clients.client(SNSClient, roleOf(1))).toBe(first);
    expect(clients.client(SNSClient, roleOf(2))).not.toBe(second);
    for (let n = 5; n < 200; n++) clients.client(SNSClient, roleOf(n));
    expect(clients.size).toBe(3);
  });

  it("drops a workspace with many roles' own clients, not another workspace's", async () => {
    // Prepare: a quiet workspace's client, then a noisy workspace with more roles than the cap
    const clients = new DestinationClients({ sessionName: 'event-dispatcher', maxClients: 4 });
    const quiet = clients.client(SNSClient, { ...fifoTopicDestination, workspaceId: 'quiet' });

    // Act
    for (let n = 0; n < 50; n++)
      clients.client(SNSClient, {
        ...fifoTopicDestination,
        workspaceId: 'noisy',
        roleArn: `${CUSTOMER_ROLE}-${n}`,
      });

    // Assess
    expect(clients.size).toBe(4);
    expect(clients.client(SNSClient, { ...fifoTopicDestination, workspaceId: 'quiet' })).toBe(quiet);
  });

  it('takes the client region from the destination ARN', async () => {
    const clients = new DestinationClients({ sessionName: 'event-dispatcher' });

    await expect(clients.client(SNSClient, standardTopicDestination).config.region()).resolves.toBe(
      'eu-west-1',
    );
    await expect(clients.client(LambdaClient, lambdaDestination).config.region()).resolves.toBe('us-east-1');
  });

  it('assumes the delivery role with the external id once for many deliveries', async () => {
    // Prepare
    const clients = new DestinationClients({ sessionName: 'event-dispatcher', stsRegion: 'us-east-1' });

    // Act: resolve credentials as 50 deliveries would.
    for (let i = 0; i < 50; i++) {
      const client = clients.client(SNSClient, { ...fifoTopicDestination, id: `d${i}` });
      const credentials = await client.config.credentials();
      expect(credentials.accessKeyId).toBe('ASIAEXAMPLE');
    }

    // Assess
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: CUSTOMER_ROLE,
      ExternalId: EXTERNAL_ID,
      RoleSessionName: 'event-dispatcher',
    });
  });

  it('assumes a role once whatever the services and regions it delivers to', async () => {
    const clients = new DestinationClients({ sessionName: 'event-dispatcher', stsRegion: 'us-east-1' });

    for (const client of [
      clients.client(SNSClient, fifoTopicDestination),
      clients.client(SNSClient, standardTopicDestination),
      clients.client(LambdaClient, lambdaDestination),
    ]) {
      await client.config.credentials();
    }

    expect(clients.client(SNSClient, standardTopicDestination)).not.toBe(
      clients.client(SNSClient, fifoTopicDestination),
    );
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('uses the dispatcher identity for a function granted by resource policy', async () => {
    const { roleArn: _r, externalId: _e, ...direct } = lambdaDestination;
    const clients = new DestinationClients({ sessionName: 'event-dispatcher' });

    const client = clients.client(LambdaClient, direct);

    expect(client).toBe(clients.client(LambdaClient, direct));
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });
});
