import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { emulatorClient } from '../accounts';
import type { EmulatorClients } from './handlers/handler';

export type Service = keyof EmulatorClients;

/** Clients in `account`, each made on first use on its service's emulator; `destroy` closes them. */
export function emulatorClients(
  account: string,
  region: string,
  endpointOf: (service: Service) => string,
): EmulatorClients & { destroy(): void } {
  const made = new Map<string, { destroy(): void }>();
  const once = <C extends { destroy(): void }>(key: string, make: () => C): C => {
    if (!made.has(key)) made.set(key, make());
    return made.get(key) as C;
  };
  const on = (service: Service) => endpointOf(service);
  return {
    get sqs() {
      return once('sqs', () => emulatorClient(SQSClient, on('sqs'), account, { region }));
    },
    get sns() {
      return once('sns', () => emulatorClient(SNSClient, on('sns'), account, { region }));
    },
    get kms() {
      return once('kms', () => emulatorClient(KMSClient, on('kms'), account, { region }));
    },
    get kinesis() {
      // The Kinesis client speaks HTTP/2 by default; moto answers HTTP/1.1 only.
      return once('kinesis', () =>
        emulatorClient(KinesisClient, on('kinesis'), account, {
          region,
          requestHandler: new NodeHttpHandler(),
        }),
      );
    },
    get events() {
      return once('events', () => emulatorClient(EventBridgeClient, on('events'), account, { region }));
    },
    get iam() {
      return once('iam', () => emulatorClient(IAMClient, on('iam'), account, { region }));
    },
    get s3() {
      return once('s3', () => emulatorClient(S3Client, on('s3'), account, { region, forcePathStyle: true }));
    },
    get secretsManager() {
      return once('secretsManager', () =>
        emulatorClient(SecretsManagerClient, on('secretsManager'), account, { region }),
      );
    },
    get lambda() {
      return once('lambda', () => emulatorClient(LambdaClient, on('lambda'), account, { region }));
    },
    get cognito() {
      return once('cognito', () =>
        emulatorClient(CognitoIdentityProviderClient, on('cognito'), account, { region }),
      );
    },
    dynamodb(endpoint: string) {
      return once(`dynamodb ${endpoint}`, () =>
        emulatorClient(DynamoDBClient, endpoint, account, { region }),
      );
    },
    destroy() {
      for (const client of made.values()) client.destroy();
    },
  };
}
