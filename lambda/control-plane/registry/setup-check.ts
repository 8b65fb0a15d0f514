import { randomUUID } from 'node:crypto';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { DestinationClients } from '../../dispatcher/deliver/clients';
import { driverOf } from '../../dispatcher/deliver/drivers';
import type { Delivery } from '../../dispatcher/delivery';
import { classifyError } from '../../dispatcher/errors';
import { DELIVERY_ROLE_PATH } from '../../shared/delivery-permissions';
import type { Destination, DestinationType } from '../../shared/destination-config';
import type { DeliveredPayload } from '../../shared/ingest-message';
import { distinctIdHash } from '../../shared/log-ids';
import { type CheckStep, describeError, type TargetCheck } from './setup-check/common';
import { checkBus } from './setup-check/eventbridge';
import { checkStream } from './setup-check/kinesis';
import { checkFunction } from './setup-check/lambda';
import { checkTopic } from './setup-check/sns';
import { checkQueue } from './setup-check/sqs';

export type { CheckStep, Verdict } from './setup-check/common';

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
  // Customers admit the dispatcher only: a check that cannot act as it would blame their setup.
  const asDispatcher = await dispatcherIdentityStep(options.sts);
  if (asDispatcher) return [asDispatcher];
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
  const checkTarget = TARGET_CHECKS[destination.type] as TargetCheck<Destination>;
  steps.push(
    ...(await checkTarget(destination, options.clients, { sendTestEvent: options.sendTestEvent === true })),
  );
  if (steps.some((s) => s.verdict === 'fail')) return steps;
  steps.push(
    options.sendTestEvent
      ? await sendTestEvent(destination, options.clients)
      : {
          step: 'test event',
          verdict: 'skip',
          detail:
            "not sent: ask for a test event to deliver one (the console's Send a test event, or --send-test-event)",
        },
  );
  return steps;
}

/** What each destination type's own resource is checked for, through the delivery role: `setup-check/<type>.ts`. */
const TARGET_CHECKS: { readonly [T in DestinationType]: TargetCheck<Extract<Destination, { type: T }>> } = {
  lambda: checkFunction,
  sns: checkTopic,
  kinesis: checkStream,
  eventbridge: checkBus,
  sqs: checkQueue,
};

/** A failing step when the check cannot act as the dispatcher; undefined when it can. */
async function dispatcherIdentityStep(sts: STSClient): Promise<CheckStep | undefined> {
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return undefined;
  } catch (error) {
    return {
      step: 'dispatcher identity',
      verdict: 'fail',
      detail: `the check could not act as the platform's dispatcher: ${describeError(error)}`,
      fix: "run it with credentials that may assume the dispatcher's role (--dispatcher-role-arn, or DISPATCHER_ROLE_ARN): that role's trust policy must admit them",
    };
  }
}

async function checkRole(roleArn: string, externalId: string, sts: STSClient): Promise<CheckStep[]> {
  const steps: CheckStep[] = [];
  const onPath = roleArn.includes(`:role${DELIVERY_ROLE_PATH}`);
  steps.push(
    onPath
      ? { step: 'role path', verdict: 'ok', detail: `the role is on ${DELIVERY_ROLE_PATH}` }
      : {
          step: 'role path',
          verdict: 'fail',
          detail: `the role is not on the delivery-role path ${DELIVERY_ROLE_PATH}: the dispatcher may assume no other role`,
          fix: `create the role with Path ${DELIVERY_ROLE_PATH} (the DeliveryRole construct does), and update the destination's roleArn`,
        },
  );
  /** The error AssumeRole fails with, presenting this external id (or none); undefined if it succeeds. */
  const refusal = async (presented: string | undefined): Promise<Error | undefined> => {
    try {
      await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'event-delivery-setup-check',
          DurationSeconds: 900,
          ...(presented !== undefined && { ExternalId: presented }),
        }),
      );
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const withId = await refusal(externalId);
  steps.push(
    withId
      ? {
          step: 'assume role with the external id',
          verdict: 'fail',
          detail: `AssumeRole was refused (${classifyError(withId).code}): ${withId.name}: ${withId.message}`,
          fix: `the role's trust policy must allow the platform's dispatcher role with the condition "StringEquals": { "sts:ExternalId": "${externalId}" }, your workspace's external id (another workspace's, or a mistyped one, is refused); check the role ARN`,
        }
      : { step: 'assume role with the external id', verdict: 'ok', detail: 'allowed' },
  );
  if (withId) return steps;
  // In AWS the dispatcher's own policy refuses AssumeRole without an external id, whatever the
  // trust policy says: an id of no workspace is what shows a trust policy that checks none.
  let admittedWithout: string | undefined;
  if (!(await refusal(undefined))) admittedWithout = 'without an external id';
  else if (!(await refusal(`cdp-setup-check-${randomUUID().replaceAll('-', '')}`)))
    admittedWithout = 'with an external id of no workspace';
  steps.push(
    admittedWithout
      ? {
          step: 'assume role without the external id',
          verdict: 'fail',
          detail: `ALLOWED: the trust policy does not require the external id (AssumeRole succeeded ${admittedWithout}), so any workspace of the platform could deliver into this account (the confused deputy)`,
          fix: `add the condition "StringEquals": { "sts:ExternalId": "${externalId}" } to the trust policy statement (the DeliveryRole construct does)`,
        }
      : {
          step: 'assume role without the external id',
          verdict: 'ok',
          detail: 'denied without it and with an external id of no workspace, as it must be',
        },
  );
  return steps;
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
