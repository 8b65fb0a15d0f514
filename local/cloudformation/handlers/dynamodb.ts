import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type SSEType,
  type StreamViewType,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { isTrue, physicalName, type ResourceHandler } from './handler';

type Input = CreateTableCommandInput;

export const table: ResourceHandler = {
  properties: [
    'TableName',
    'AttributeDefinitions',
    'KeySchema',
    'BillingMode',
    'ProvisionedThroughput',
    'GlobalSecondaryIndexes',
    'LocalSecondaryIndexes',
    'StreamSpecification',
    'SSESpecification',
    'TimeToLiveSpecification',
    'PointInTimeRecoverySpecification',
    'DeletionProtectionEnabled',
    'TableClass',
    'Tags',
    // Neither changes what the table holds or how it answers.
    'ContributorInsightsSpecification',
    'WarmThroughput',
  ],
  async create(properties, context) {
    const name =
      typeof properties.TableName === 'string'
        ? properties.TableName
        : physicalName(context, { maxLength: 255 });
    const endpoint = context.tableEndpoint(name);
    const dynamodb = context.clients.dynamodb(endpoint);
    const stream = properties.StreamSpecification as { StreamViewType: string } | undefined;
    const sse = properties.SSESpecification as
      | { SSEEnabled?: boolean; SSEType?: string; KMSMasterKeyId?: string }
      | undefined;
    const { TableDescription } = await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: properties.AttributeDefinitions as Input['AttributeDefinitions'],
        KeySchema: properties.KeySchema as Input['KeySchema'],
        BillingMode: properties.BillingMode as Input['BillingMode'],
        ProvisionedThroughput: properties.ProvisionedThroughput as Input['ProvisionedThroughput'],
        GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes as Input['GlobalSecondaryIndexes'],
        LocalSecondaryIndexes: properties.LocalSecondaryIndexes as Input['LocalSecondaryIndexes'],
        StreamSpecification: stream && {
          StreamEnabled: true,
          StreamViewType: stream.StreamViewType as StreamViewType,
        },
        SSESpecification: sse && {
          Enabled: isTrue(sse.SSEEnabled),
          SSEType: sse.SSEType as SSEType,
          KMSMasterKeyId: sse.KMSMasterKeyId,
        },
        DeletionProtectionEnabled: isTrue(properties.DeletionProtectionEnabled),
        TableClass: properties.TableClass as Input['TableClass'],
        Tags: properties.Tags as Input['Tags'],
      }),
    );
    const ttl = properties.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
    if (ttl) {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: isTrue(ttl.Enabled) },
        }),
      );
    }
    const recovery = properties.PointInTimeRecoverySpecification as
      | { PointInTimeRecoveryEnabled?: boolean }
      | undefined;
    if (recovery) {
      await dynamodb.send(
        new UpdateContinuousBackupsCommand({
          TableName: name,
          PointInTimeRecoverySpecification: {
            PointInTimeRecoveryEnabled: isTrue(recovery.PointInTimeRecoveryEnabled),
          },
        }),
      );
    }
    return {
      ref: name,
      attributes: { Arn: TableDescription?.TableArn, StreamArn: TableDescription?.LatestStreamArn },
      endpoint,
    };
  },
};
