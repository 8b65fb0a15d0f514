import { randomUUID } from 'node:crypto';
import {
  DescribeEventBusCommand,
  type DescribeEventBusResponse,
  EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { DestinationClients } from '../../lambda/dispatcher/deliver/clients';
import { driverOf } from '../../lambda/dispatcher/deliver/drivers';
import { SNS_LIMITS, topicLimits } from '../../lambda/dispatcher/deliver/drivers/sns';
import { queueLimits, queueUrl, SQS_LIMITS } from '../../lambda/dispatcher/deliver/drivers/sqs';
import type { Delivery } from '../../lambda/dispatcher/delivery';
import { classifyError } from '../../lambda/dispatcher/errors';
import {
  type Destination,
  type DestinationType,
  type EventBridgeDestination,
  isFifo,
  isFifoTopic,
  type KinesisDestination,
  type SnsDestination,
  type SqsDestination,
} from '../../lambda/shared/destination-config';
import type { DeliveredPayload } from '../../lambda/shared/ingest-message';
import { distinctIdHash } from '../../lambda/shared/log-ids';
import { DeliveryRole } from '../constructs/delivery-role';

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckStep {
  readonly step: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to change, when something is missing. */
  readonly fix?: string;
}

export interface SetupCheckOptions {
  /** The same client cache the dispatcher uses: AssumeRole with the workspace's external id. */
  readonly clients: DestinationClients;
  /** STS with the dispatcher's identity, for the probe without an external id. */
  readonly sts: STSClient;
  readonly sendTestEvent?: boolean;
}

/**
 * Checks a customer's setup for one destination, step by step, through the dispatcher's own
 * client path: each step's verdict names what is missing and how to fix it. The steps stop at
 * the first one whose failure makes the rest meaningless.
 */
export async function checkDestination(
  destination: Destination,
  options: SetupCheckOptions,
): Promise<CheckStep[]> {
  const steps: CheckStep[] = [];
  if (destination.roleArn) {
    const roleSteps = await checkRole(destination.roleArn, destination.externalId ?? '', options.sts);
    steps.push(...roleSteps);
    if (roleSteps.some((s) => s.verdict === 'fail')) return steps;
  } else {
    steps.push({
      step: 'access',
      verdict: 'ok',
      detail:
        "no delivery role: the dispatcher invokes with its own identity, as the function's resource policy allows",
    });
  }
  const checkTarget = TARGET_CHECKS[destination.type] as (
    destination: Destination,
    clients: DestinationClients,
  ) => Promise<CheckStep[]>;
  steps.push(...(await checkTarget(destination, options.clients)));
  if (steps.some((s) => s.verdict === 'fail')) return steps;
  steps.push(
    options.sendTestEvent
      ? await sendTestEvent(destination, options.clients)
      : { step: 'test event', verdict: 'skip', detail: 'not sent: add --send-test-event to deliver one' },
  );
  return steps;
}

/** What each destination type's own resource is checked for, through the delivery role. */
const TARGET_CHECKS: {
  readonly [T in DestinationType]: (
    destination: Extract<Destination, { type: T }>,
    clients: DestinationClients,
  ) => Promise<CheckStep[]>;
} = {
  lambda: async (destination, clients) => [await checkFunction(destination, clients)],
  sns: checkTopic,
  kinesis: checkStream,
  eventbridge: checkBus,
  sqs: checkQueue,
};

async function checkRole(roleArn: string, externalId: string, sts: STSClient): Promise<CheckStep[]> {
  const steps: CheckStep[] = [];
  const onPath = roleArn.includes(`:role${DeliveryRole.PATH}`);
  steps.push(
    onPath
      ? { step: 'role path', verdict: 'ok', detail: `the role is on ${DeliveryRole.PATH}` }
      : {
          step: 'role path',
          verdict: 'fail',
          detail: `the role is not on the delivery-role path ${DeliveryRole.PATH}: the dispatcher may assume no other role`,
          fix: `create the role with Path ${DeliveryRole.PATH} (the DeliveryRole construct does), and update the destination's roleArn`,
        },
  );
  const attempt = async (withExternalId: boolean) => {
    try {
      await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'event-delivery-setup-check',
          DurationSeconds: 900,
          ...(withExternalId && { ExternalId: externalId }),
        }),
      );
      return undefined;
    } catch (error) {
      return classifyError(error);
    }
  };
  const withId = await attempt(true);
  steps.push(
    withId
      ? {
          step: 'assume role with the external id',
          verdict: 'fail',
          detail: `AssumeRole was refused (${withId.code}): ${withId.message}`,
          fix: `the role's trust policy must allow the platform's dispatcher role with sts:ExternalId equal to your workspace's external id ${externalId}; check the role ARN`,
        }
      : { step: 'assume role with the external id', verdict: 'ok', detail: 'allowed' },
  );
  if (withId) return steps;
  const withoutId = await attempt(false);
  steps.push(
    withoutId
      ? { step: 'assume role without the external id', verdict: 'ok', detail: 'denied, as it must be' }
      : {
          step: 'assume role without the external id',
          verdict: 'fail',
          detail:
            'ALLOWED: the trust policy does not require the external id, so any workspace of the platform could deliver into this account (the confused deputy)',
          fix: 'add the condition "StringEquals": { "sts:ExternalId": "<your external id>" } to the trust policy statement (the DeliveryRole construct does)',
        },
  );
  return steps;
}

async function checkFunction(
  destination: Extract<Destination, { type: 'lambda' }>,
  clients: DestinationClients,
): Promise<CheckStep> {
  try {
    await clients
      .client(LambdaClient, destination)
      .send(new InvokeCommand({ FunctionName: destination.functionArn, InvocationType: 'DryRun' }));
    return { step: 'invoke (DryRun)', verdict: 'ok', detail: 'the function exists and may be invoked' };
  } catch (error) {
    const classified = classifyError(error);
    const viaRole = Boolean(destination.roleArn);
    return {
      step: 'invoke (DryRun)',
      verdict: 'fail',
      detail: `${classified.code}: ${classified.message}`,
      fix:
        classified.code === 'DestinationNotFound'
          ? 'check the function name, region and account'
          : viaRole
            ? "grant lambda:InvokeFunction on the function to the delivery role (DeliveryRole's functions)"
            : "add a resource policy to the function letting the platform's dispatcher role invoke it (lambda add-permission --principal <DispatcherRoleArn>)",
    };
  }
}

async function checkTopic(destination: SnsDestination, clients: DestinationClients): Promise<CheckStep[]> {
  let attributes: Record<string, string>;
  try {
    const response = await clients
      .client(SNSClient, destination)
      .send(new GetTopicAttributesCommand({ TopicArn: destination.topicArn }));
    attributes = response.Attributes ?? {};
  } catch (error) {
    return probeFailed('topic attributes', error, 'topic', 'sns:GetTopicAttributes and sns:Publish');
  }
  return messageResourceSteps({
    noun: 'topic',
    service: 'SNS',
    fifo: attributes.FifoTopic === 'true',
    expectedFifo: isFifoTopic(destination),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    key: attributes.KmsMasterKeyId,
    maximumMessageSize: Number(attributes.MaximumMessageSize ?? SNS_LIMITS.maxBytes),
    configuredMaxBytes: topicLimits(destination).maxBytes,
    offloadOversize: destination.offloadOversize,
  });
}

/**
 * What a topic's and a queue's settings must be for the platform: readable through the role,
 * FIFO as the ARN says, no content-based deduplication (the platform sends its own ids), a KMS
 * key, and a message size limit no smaller than the destination's.
 */
function messageResourceSteps(resource: {
  noun: 'topic' | 'queue';
  service: 'SNS' | 'SQS';
  fifo: boolean;
  expectedFifo: boolean;
  contentBasedDeduplication: boolean;
  key: string | undefined;
  maximumMessageSize: number;
  configuredMaxBytes: number;
  offloadOversize: boolean | undefined;
}): CheckStep[] {
  const { noun, service, fifo } = resource;
  const steps: CheckStep[] = [
    {
      step: `${noun} attributes`,
      verdict: 'ok',
      detail: `the ${noun} exists and is readable through the role`,
    },
    fifo === resource.expectedFifo
      ? {
          step: 'FIFO',
          verdict: 'ok',
          detail: fifo ? `FIFO ${noun}: events grouped by visitor` : `standard ${noun}`,
        }
      : {
          step: 'FIFO',
          verdict: 'fail',
          detail: `the ${noun} is ${fifo ? 'FIFO' : 'standard'} but its ARN ${fifo ? 'lacks' : 'ends in'} .fifo`,
          fix: `use the ${noun} ARN exactly as ${service} gives it`,
        },
  ];
  if (fifo && resource.contentBasedDeduplication) {
    steps.push({
      step: 'deduplication',
      verdict: 'warn',
      detail:
        'content-based deduplication is on: the platform sends its own deduplication id per destination and event',
      fix: 'turn content-based deduplication off',
    });
  }
  steps.push(
    encryptionStep(
      noun,
      resource.key,
      'the role needs kms:GenerateDataKey and kms:Decrypt on it (verified by --send-test-event)',
    ),
  );
  steps.push(
    messageSizeStep(
      noun,
      service,
      resource.maximumMessageSize,
      resource.configuredMaxBytes,
      resource.offloadOversize,
    ),
  );
  return steps;
}

/** The resource's real size limit against the destination's: a smaller real one would refuse events. */
function messageSizeStep(
  noun: 'topic' | 'queue',
  service: 'SNS' | 'SQS',
  maximum: number,
  configured: number,
  offloadOversize: boolean | undefined,
): CheckStep {
  const beyond = offloadOversize ? 'offloaded to the payload bucket' : 'dead-lettered with PayloadTooLarge';
  if (maximum === configured) {
    return {
      step: 'message size',
      verdict: 'ok',
      detail: `the ${noun} accepts messages up to ${maximum} bytes; larger events are ${beyond}`,
    };
  }
  return maximum > configured
    ? {
        step: 'message size',
        verdict: 'warn',
        detail: `the ${noun} accepts ${maximum} bytes but the destination sends at most ${configured}: larger events are ${beyond}`,
        fix: `update the destination with --max-message-bytes ${maximum}`,
      }
    : {
        step: 'message size',
        verdict: 'fail',
        detail: `the destination sends up to ${configured} bytes but the ${noun} accepts only ${maximum}: ${service} would refuse larger events`,
        fix: `update the destination with --max-message-bytes ${maximum}, or raise the ${noun}'s MaximumMessageSize`,
      };
}

/** A probe's failure: what is wrong, and what to grant or check. */
function probeFailed(step: string, error: unknown, resource: string, grant: string): CheckStep[] {
  const classified = classifyError(error);
  return [
    {
      step,
      verdict: 'fail',
      detail: `${classified.code}: ${classified.message}`,
      fix:
        classified.code === 'DestinationNotFound'
          ? `check the ${resource} ARN: no such ${resource} in that account and region`
          : `grant ${grant} on the ${resource} to the delivery role (the DeliveryRole construct does)`,
    },
  ];
}

/** A resource's encryption: a customer-managed KMS key is what the platform expects. */
function encryptionStep(noun: string, key: string | undefined, who: string): CheckStep {
  return key
    ? { step: 'encryption', verdict: 'ok', detail: `encrypted with ${key}; ${who}` }
    : {
        step: 'encryption',
        verdict: 'warn',
        detail: `the ${noun} is not encrypted with a KMS key`,
        fix: `set a customer-managed KMS key on the ${noun}`,
      };
}

async function checkStream(
  destination: KinesisDestination,
  clients: DestinationClients,
): Promise<CheckStep[]> {
  let summary: StreamDescriptionSummary | undefined;
  try {
    ({ StreamDescriptionSummary: summary } = await clients
      .client(KinesisClient, destination)
      .send(new DescribeStreamSummaryCommand({ StreamARN: destination.streamArn })));
  } catch (error) {
    return probeFailed('stream', error, 'stream', 'kinesis:DescribeStreamSummary and kinesis:PutRecords');
  }
  const status = summary?.StreamStatus ?? 'UNKNOWN';
  return [
    status === 'ACTIVE' || status === 'UPDATING'
      ? {
          step: 'stream',
          verdict: 'ok',
          detail: `the stream is ${status}; records keep each visitor's order in its shard`,
        }
      : {
          step: 'stream',
          verdict: 'fail',
          detail: `the stream is ${status}: it takes no records`,
          fix: 'wait for the stream to become ACTIVE, or point the destination at an active one',
        },
    encryptionStep(
      'stream',
      summary?.EncryptionType === 'KMS' ? summary.KeyId : undefined,
      'the role needs kms:GenerateDataKey on it (verified by --send-test-event)',
    ),
  ];
}

async function checkBus(
  destination: EventBridgeDestination,
  clients: DestinationClients,
): Promise<CheckStep[]> {
  let bus: DescribeEventBusResponse;
  try {
    bus = await clients
      .client(EventBridgeClient, destination)
      .send(new DescribeEventBusCommand({ Name: destination.eventBusArn }));
  } catch (error) {
    return probeFailed('event bus', error, 'event bus', 'events:DescribeEventBus and events:PutEvents');
  }
  return [
    {
      step: 'event bus',
      verdict: 'ok',
      detail: `the bus exists; events arrive with Source "${destination.source}" and DetailType the event name`,
    },
    encryptionStep(
      'event bus',
      bus.KmsKeyIdentifier,
      "EventBridge uses it itself, as the key's policy must let it for this bus; the role needs no grant on it",
    ),
  ];
}

async function checkQueue(destination: SqsDestination, clients: DestinationClients): Promise<CheckStep[]> {
  let attributes: Partial<Record<string, string>>;
  try {
    ({ Attributes: attributes = {} } = await clients.client(SQSClient, destination).send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl(destination.queueArn),
        AttributeNames: [
          'FifoQueue',
          'ContentBasedDeduplication',
          'KmsMasterKeyId',
          'SqsManagedSseEnabled',
          'MaximumMessageSize',
        ],
      }),
    ));
  } catch (error) {
    return probeFailed('queue attributes', error, 'queue', 'sqs:GetQueueAttributes and sqs:SendMessage');
  }
  return messageResourceSteps({
    noun: 'queue',
    service: 'SQS',
    fifo: attributes.FifoQueue === 'true',
    expectedFifo: isFifo(destination),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    key: attributes.KmsMasterKeyId,
    maximumMessageSize: Number(attributes.MaximumMessageSize ?? SQS_LIMITS.maxBytes),
    configuredMaxBytes: queueLimits(destination).maxBytes,
    offloadOversize: destination.offloadOversize,
  });
}

/** Delivers one flagged test event the consumer can recognise (`event_properties.platform_setup_check`). */
async function sendTestEvent(destination: Destination, clients: DestinationClients): Promise<CheckStep> {
  const distinctId = `setup-check-${randomUUID()}`;
  const payload: DeliveredPayload = {
    event: {
      event: 'Destination Setup Check',
      distinct_id: distinctId,
      time: Date.now(),
      event_properties: { platform_setup_check: true },
    },
    visitor: { visitor_id: 'platform-setup-check' },
    user: null,
  };
  const message = JSON.stringify(payload);
  // Through the destination's own driver, as the dispatcher would send it.
  const delivery = {
    destination,
    payload,
    message,
    wave: 0,
    mappingVersion: 0,
    record: {
      messageId: distinctId,
      eventId: distinctId,
      body: message,
      attempts: 1,
      firstAttemptAt: Date.now(),
      workspaceId: destination.workspaceId,
      distinctIdHash: distinctIdHash(destination.workspaceId, distinctId),
      payload,
    },
  } satisfies Delivery as Delivery;
  const [call] = driverOf(destination).planCalls(destination, [delivery], clients);
  const [result] = call ? await call.send(new AbortController().signal, [delivery]) : [delivery.result];
  if (!result) throw new Error('the driver planned no call and gave no result');
  if (result.ok) return { step: 'test event', verdict: 'ok', detail: `delivered, distinct_id ${distinctId}` };
  const { code, message: reason } = result.error;
  return {
    step: 'test event',
    verdict: 'fail',
    detail: `${code}: ${reason}`,
    fix:
      code === 'KmsError'
        ? "grant the delivery role kms:GenerateDataKey and kms:Decrypt on the destination's key, and let the key policy allow it"
        : 'see the error: the dispatcher would dead-letter or retry events the same way',
  };
}
