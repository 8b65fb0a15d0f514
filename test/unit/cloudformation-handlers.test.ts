import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { userPool, userPoolClient } from '../../local/cloudformation/handlers/cognito';
import type { EmulatorClients, ResourceContext } from '../../local/cloudformation/handlers/handler';
import { physicalName } from '../../local/cloudformation/handlers/handler';
import { eventSourceMapping } from '../../local/cloudformation/handlers/lambda';
import { lifecycleRule } from '../../local/cloudformation/handlers/s3';
import { generateSecretString } from '../../local/cloudformation/handlers/secrets-manager';
import { subscription, topic } from '../../local/cloudformation/handlers/sns';
import { queue } from '../../local/cloudformation/handlers/sqs';

const sqs = mockClient(SQSClient);
const sns = mockClient(SNSClient);
const cognito = mockClient(CognitoIdentityProviderClient);

beforeEach(() => {
  sqs.reset();
  sns.reset();
  cognito.reset();
});

/** A handler's context in the stack `Stack` of account 123456789012, with the SQS, SNS and Cognito clients. */
const context = (logicalId: string): ResourceContext => ({
  logicalId,
  stackName: 'Stack',
  account: '123456789012',
  region: 'us-east-1',
  clients: {
    sqs: new SQSClient({}),
    sns: new SNSClient({}),
    cognito: new CognitoIdentityProviderClient({}),
  } as EmulatorClients,
  tableEndpoint: () => 'http://dynamodb.local',
  environmentOverrides: {},
  later: () => {},
  limitation: () => {},
});

describe('physicalName', () => {
  it('is <stack>-<logicalId>, cut with a hash of both to fit, the suffix kept', () => {
    // Prepare
    const naming = {
      stackName: 'EventDeliveryCustomer',
      logicalId: 'ConsumerSubscriptionDeadLetterQueue1DDAD9346',
      account: '1',
    };

    // Act
    const short = physicalName(naming, { maxLength: 80 });
    const cut = physicalName(naming, { maxLength: 40, suffix: '.fifo' });

    // Assess
    expect(short).toBe('EventDeliveryCustomer-ConsumerSubscriptionDeadLetterQueue1DDAD9346');
    expect(cut).toMatch(/^EventDeliveryCustomer-Cons-[0-9a-f]{8}\.fifo$/);
    expect(cut).toHaveLength(40);
  });

  it('adds the hash, which differs between accounts, to names that must be unique everywhere', () => {
    // Prepare
    const naming = { stackName: 'Platform', logicalId: 'Bucket', account: '1' };

    // Act
    const one = physicalName(naming, { maxLength: 63, lowercase: true, unique: true });
    const other = physicalName({ ...naming, account: '2' }, { maxLength: 63, lowercase: true, unique: true });

    // Assess
    expect(one).toMatch(/^platform-bucket-[0-9a-f]{8}$/);
    expect(other).not.toBe(one);
  });
});

describe('queue', () => {
  it('creates a FIFO queue named with .fifo, every attribute as a string, the redrive policy as JSON', async () => {
    // Prepare
    sqs.on(CreateQueueCommand).resolves({ QueueUrl: 'http://sqs.local/123456789012/Stack-Ingest.fifo' });
    sqs
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:Stack-Ingest.fifo' } });
    const properties = {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      KmsMasterKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
      VisibilityTimeout: 180,
      RedrivePolicy: {
        deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:Stack-Dlq.fifo',
        maxReceiveCount: 5,
      },
    };

    // Act
    const applied = await queue.create(properties, context('Ingest'));

    // Assess
    expect(sqs).toHaveReceivedCommandWith(CreateQueueCommand, {
      QueueName: 'Stack-Ingest.fifo',
      Attributes: {
        FifoQueue: 'true',
        ContentBasedDeduplication: 'true',
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        KmsMasterKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
        VisibilityTimeout: '180',
        RedrivePolicy:
          '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:Stack-Dlq.fifo","maxReceiveCount":5}',
      },
    });
    expect(applied).toEqual({
      ref: 'http://sqs.local/123456789012/Stack-Ingest.fifo',
      attributes: {
        Arn: 'arn:aws:sqs:us-east-1:123456789012:Stack-Ingest.fifo',
        QueueName: 'Stack-Ingest.fifo',
        QueueUrl: 'http://sqs.local/123456789012/Stack-Ingest.fifo',
      },
    });
  });
});

describe('topic', () => {
  it('passes FifoTopic and ContentBasedDeduplication only when true: moto takes "false" for true', async () => {
    // Prepare
    sns.on(CreateTopicCommand).resolves({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:Stack-Events.fifo' });

    // Act
    await topic.create(
      { FifoTopic: true, ContentBasedDeduplication: false, KmsMasterKeyId: 'key-arn' },
      context('Events'),
    );
    await topic.create({ FifoTopic: false }, context('Plain'));

    // Assess
    expect(sns).toHaveReceivedNthCommandWith(1, CreateTopicCommand, {
      Name: 'Stack-Events.fifo',
      Attributes: { KmsMasterKeyId: 'key-arn', FifoTopic: 'true' },
    });
    expect(sns).toHaveReceivedNthCommandWith(2, CreateTopicCommand, { Name: 'Stack-Plain', Attributes: {} });
  });
});

describe('subscription', () => {
  it('passes RawMessageDelivery only when true, and the redrive and filter policies as JSON', async () => {
    // Prepare
    sns
      .on(SubscribeCommand)
      .resolves({ SubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:Stack-Events:sub' });
    const common = {
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:Stack-Events',
      Protocol: 'sqs',
      Endpoint: 'queue-arn',
    };

    // Act
    const raw = await subscription.create(
      {
        ...common,
        RawMessageDelivery: true,
        RedrivePolicy: { deadLetterTargetArn: 'dlq-arn' },
        FilterPolicy: { event: ['a'] },
      },
      context('Raw'),
    );
    await subscription.create({ ...common, RawMessageDelivery: false }, context('Wrapped'));

    // Assess
    expect(sns).toHaveReceivedNthCommandWith(1, SubscribeCommand, {
      ...common,
      Attributes: {
        RawMessageDelivery: 'true',
        RedrivePolicy: '{"deadLetterTargetArn":"dlq-arn"}',
        FilterPolicy: '{"event":["a"]}',
      },
      ReturnSubscriptionArn: true,
    });
    expect(sns).toHaveReceivedNthCommandWith(2, SubscribeCommand, {
      ...common,
      Attributes: {},
      ReturnSubscriptionArn: true,
    });
    expect(raw).toEqual({
      ref: 'arn:aws:sns:us-east-1:123456789012:Stack-Events:sub',
      attributes: { Arn: 'arn:aws:sns:us-east-1:123456789012:Stack-Events:sub' },
    });
  });
});

describe('userPool', () => {
  it('creates the pool with the template’s settings, then sets its MFA as CloudFormation does', async () => {
    // Prepare
    cognito.on(CreateUserPoolCommand).resolves({
      UserPool: {
        Id: 'us-east-1_abc',
        Arn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc',
      },
    });
    cognito.on(SetUserPoolMfaConfigCommand).resolves({});
    const policies = { PasswordPolicy: { MinimumLength: 12, RequireSymbols: true } };

    // Act
    const created = await userPool.create(
      {
        Policies: policies,
        UsernameAttributes: ['email'],
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        DeletionProtection: 'ACTIVE',
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      },
      context('ControlPlaneUserPool'),
    );

    // Assess
    expect(cognito).toHaveReceivedCommandWith(CreateUserPoolCommand, {
      PoolName: 'Stack-ControlPlaneUserPool',
      Policies: policies,
      UsernameAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      DeletionProtection: 'ACTIVE',
    });
    const [call] = cognito.commandCalls(CreateUserPoolCommand);
    expect(call.args[0].input).not.toHaveProperty('MfaConfiguration');
    expect(call.args[0].input).not.toHaveProperty('EnabledMfas');
    expect(cognito).toHaveReceivedCommandWith(SetUserPoolMfaConfigCommand, {
      UserPoolId: 'us-east-1_abc',
      MfaConfiguration: 'ON',
      SoftwareTokenMfaConfiguration: { Enabled: true },
    });
    expect(created).toEqual({
      ref: 'us-east-1_abc',
      attributes: {
        Arn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc',
        UserPoolId: 'us-east-1_abc',
        ProviderName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc',
        ProviderURL: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc',
      },
    });
  });

  it('sets no MFA when the template says nothing of it', async () => {
    // Prepare
    cognito.on(CreateUserPoolCommand).resolves({ UserPool: { Id: 'us-east-1_abc' } });

    // Act
    await userPool.create({ UserPoolName: 'people' }, context('Pool'));

    // Assess
    expect(cognito).toHaveReceivedCommandWith(CreateUserPoolCommand, { PoolName: 'people' });
    expect(cognito).not.toHaveReceivedCommand(SetUserPoolMfaConfigCommand);
  });
});

describe('userPoolClient', () => {
  it('creates the client with typed values, named after the stack when the template names none', async () => {
    // Prepare
    cognito.on(CreateUserPoolClientCommand).resolves({ UserPoolClient: { ClientId: 'client-1' } });

    // Act
    const created = await userPoolClient.create(
      {
        UserPoolId: 'us-east-1_abc',
        GenerateSecret: 'false',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        AccessTokenValidity: '60',
        PreventUserExistenceErrors: 'ENABLED',
      },
      context('ControlPlaneUserPoolClient'),
    );

    // Assess
    expect(cognito).toHaveReceivedCommandWith(CreateUserPoolClientCommand, {
      UserPoolId: 'us-east-1_abc',
      ClientName: 'Stack-ControlPlaneUserPoolClient',
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: 60,
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(created).toEqual({
      ref: 'client-1',
      attributes: { ClientId: 'client-1', Name: 'Stack-ControlPlaneUserPoolClient' },
    });
  });
});

describe('eventSourceMapping', () => {
  it('creates nothing and gives the mapping its settings, with Lambda defaults where the template has none', async () => {
    // Prepare
    const properties = {
      EventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
      FunctionName: 'Stack-Consumer',
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:dlq' } },
    };

    // Act
    const { eventSourceMapping: mapping } = await eventSourceMapping.create(properties, context('Mapping'));

    // Assess
    expect(sqs.calls()).toHaveLength(0);
    expect(mapping).toEqual({
      logicalId: 'Mapping',
      eventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
      functionName: 'Stack-Consumer',
      enabled: true,
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0,
      functionResponseTypes: ['ReportBatchItemFailures'],
      maximumConcurrency: undefined,
      startingPosition: 'TRIM_HORIZON',
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 10,
      maximumRecordAgeInSeconds: undefined,
      parallelizationFactor: undefined,
      onFailureDestinationArn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
      filterPatterns: undefined,
    });
  });
});

describe('lifecycleRule', () => {
  it("turns the template's rule into the API's", () => {
    // Prepare
    const rule = {
      Status: 'Enabled',
      ExpirationInDays: 14,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    };

    // Act
    const converted = lifecycleRule(rule);

    // Assess
    expect(converted).toEqual({
      Status: 'Enabled',
      Filter: { Prefix: '' },
      Expiration: { Days: 14 },
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    });
  });

  it('fails on a rule property it does not convert', () => {
    // Act
    const attempt = () => lifecycleRule({ Status: 'Enabled', ObjectSizeGreaterThan: 10 });

    // Assess
    expect(attempt).toThrow('lifecycle rule property not applied locally: ObjectSizeGreaterThan');
  });
});

describe('generateSecretString', () => {
  it('generates the length asked for, from the characters allowed, one of each type', () => {
    // Act
    const passwords = Array.from({ length: 20 }, () =>
      generateSecretString({ PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false }),
    );

    // Assess
    for (const password of passwords) {
      expect(password).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
    }
    expect(new Set(passwords).size).toBe(20);
  });

  it('puts the password under GenerateStringKey of the SecretStringTemplate', () => {
    // Act
    const secret = JSON.parse(
      generateSecretString({
        SecretStringTemplate: '{"username":"admin"}',
        GenerateStringKey: 'password',
        ExcludeCharacters: 'abc',
      }),
    ) as { username: string; password: string };

    // Assess
    expect(secret.username).toBe('admin');
    expect(secret.password).toHaveLength(32);
    expect(secret.password).not.toMatch(/[abc]/);
  });
});
