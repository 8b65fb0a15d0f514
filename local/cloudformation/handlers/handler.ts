import { createHash } from 'node:crypto';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';

export type Properties = Readonly<Record<string, unknown>>;

/** SDK clients acting in the stack's account, on the emulator that holds each service. */
export interface EmulatorClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly kms: KMSClient;
  readonly kinesis: KinesisClient;
  readonly events: EventBridgeClient;
  readonly iam: IAMClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
  readonly lambda: LambdaClient;
  readonly cognito: CognitoIdentityProviderClient;
  /** DynamoDB on the given emulator: tables may be spread over several. */
  dynamodb(endpoint: string): DynamoDBClient;
}

/** A Lambda function of the template: created in the emulator (which cannot run it), to be run locally. */
export interface LocalFunction {
  readonly logicalId: string;
  /** Its construct path (`EventDeliveryPlatform/Dispatcher/Function/Resource`), when the template records it. */
  readonly path?: string;
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /** The synthesized `Environment.Variables`, with the local overrides applied. */
  readonly environment: Readonly<Record<string, string>>;
  /** The variables the local overrides changed or added. */
  readonly overriddenVariables: readonly string[];
  readonly deadLetterTargetArn?: string;
  readonly reservedConcurrency?: number;
}

/** An event source mapping of the template: not created in the emulator; the local pollers take its settings. */
export interface LocalEventSourceMapping {
  readonly logicalId: string;
  readonly eventSourceArn: string;
  /** `FunctionName` as resolved: the function's name or ARN. */
  readonly functionName: string;
  readonly enabled: boolean;
  /** Lambda's default when the template has none: 10 for SQS, 100 for streams. */
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly functionResponseTypes: readonly string[];
  readonly maximumConcurrency?: number;
  readonly startingPosition?: string;
  readonly bisectBatchOnFunctionError?: boolean;
  readonly maximumRetryAttempts?: number;
  readonly maximumRecordAgeInSeconds?: number;
  readonly parallelizationFactor?: number;
  readonly onFailureDestinationArn?: string;
  readonly filterPatterns?: readonly string[];
}

/** What a handler made: what `Ref` and `Fn::GetAtt` give, and what the caller runs locally. */
export interface AppliedResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The emulator holding it, when not the stack's default one (a DynamoDB table, say). */
  readonly endpoint?: string;
  readonly function?: LocalFunction;
  readonly eventSourceMapping?: LocalEventSourceMapping;
}

export interface ResourceContext {
  readonly logicalId: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly clients: EmulatorClients;
  /** The emulator for DynamoDB table `tableName` of this resource. */
  tableEndpoint(tableName: string): string;
  /** Local values of a function's variables, by name. */
  readonly environmentOverrides: Readonly<Record<string, string>>;
  /** A step that can only run once every resource of the template exists. */
  later(step: () => Promise<void>): void;
  /** Something of the template the emulator cannot hold: reported to the caller, not hidden. */
  limitation(property: string, reason: string): void;
}

export interface ResourceHandler {
  /**
   * Every property the handler applies, or deliberately leaves out (a comment says why): any other
   * property in a template fails, so a setting added to a construct is never silently dropped.
   */
  readonly properties: readonly string[];
  create(properties: Properties, context: ResourceContext): Promise<AppliedResource>;
}

/**
 * The name CloudFormation generates when a template names none: `<stack>-<logicalId>`, with a
 * short hash of both when it must be cut to fit (or, for S3, to be globally unique).
 */
export function physicalName(
  context: Pick<ResourceContext, 'stackName' | 'logicalId' | 'account'>,
  options: { maxLength: number; suffix?: string; lowercase?: boolean; unique?: boolean },
): string {
  const suffix = options.suffix ?? '';
  const base = `${context.stackName}-${context.logicalId}`;
  const hash = createHash('sha256').update(`${context.account}/${base}`).digest('hex').slice(0, 8);
  const room = options.maxLength - suffix.length;
  let name = options.unique ? `${base}-${hash}` : base;
  if (name.length > room) name = `${base.slice(0, room - hash.length - 1)}-${hash}`;
  name = `${name}${suffix}`;
  return options.lowercase ? name.toLowerCase() : name;
}

/** CloudFormation's `[{ Key, Value }]` tags as a map. */
export const tagMap = (tags: unknown): Record<string, string> | undefined =>
  Array.isArray(tags)
    ? Object.fromEntries(tags.map(({ Key, Value }: { Key: string; Value: string }) => [Key, Value]))
    : undefined;

/** A policy document or JSON property as the APIs take it: a string. */
export const json = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export const isTrue = (value: unknown): boolean => value === true || value === 'true';

export const optionalString = (value: unknown): string | undefined =>
  value === undefined ? undefined : String(value);

export const optionalNumber = (value: unknown): number | undefined =>
  value === undefined ? undefined : Number(value);

/** Resources a template lists by name or ARN (a policy's `Roles`, `Queues`, …). */
export const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
