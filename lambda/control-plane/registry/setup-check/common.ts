import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { DestinationClients } from '../../../dispatcher/deliver/clients';
import { classifyError } from '../../../dispatcher/errors';
import { DELIVERY_PERMISSIONS } from '../../../shared/delivery-permissions';
import { arnParts, type Destination, destinationArn } from '../../../shared/destination-config';

/** What the setup check of every destination type shares: its step, and the steps several types take. */

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckStep {
  readonly step: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to change, when something is missing. */
  readonly fix?: string;
}

export interface TargetCheckOptions {
  /** A test event follows: it decides what a probe cannot. */
  readonly sendTestEvent: boolean;
}

/** What a destination type's own resource is checked for, through the delivery role. */
export type TargetCheck<D extends Destination> = (
  destination: D,
  clients: DestinationClients,
  options: TargetCheckOptions,
) => Promise<CheckStep[]>;

/** An error as a step names it: the dispatcher's code for it, and the service's whole message. */
export function describeError(error: unknown): string {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  return `${classifyError(error).code}: ${name}: ${message}`;
}

/** A probe's failure: what is wrong, and what to grant or check. */
export function probeFailed(step: string, error: unknown, resource: string, grant: string): CheckStep[] {
  const classified = classifyError(error);
  return [
    {
      step,
      verdict: 'fail',
      detail: describeError(error),
      fix:
        classified.code === 'DestinationNotFound'
          ? `check the ${resource} ARN: no such ${resource} in that account and region`
          : `grant ${grant} on the ${resource} to the delivery role (the DeliveryRole construct does)`,
    },
  ];
}

/** A resource's encryption: a customer-managed KMS key is what the platform expects. */
export function encryptionStep(noun: string, key: string | undefined, who: string): CheckStep {
  return key
    ? { step: 'encryption', verdict: 'ok', detail: `encrypted with ${key}; ${who}` }
    : {
        step: 'encryption',
        verdict: 'warn',
        detail: `the ${noun} is not encrypted with a KMS key`,
        fix: `set a customer-managed KMS key on the ${noun}`,
      };
}

/**
 * What a topic's and a queue's settings must be for the platform: readable through the role,
 * FIFO as the ARN says, no content-based deduplication (the platform sends its own ids), a KMS
 * key, and a message size limit no smaller than the destination's.
 */
export function messageResourceSteps(resource: {
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
  steps.push(encryptionStep(noun, resource.key, 'the role needs kms:GenerateDataKey and kms:Decrypt on it'));
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

/** Where the delivery role's keys come from in the `DeliveryRole` construct, by resource. */
const KEY_GRANTS = {
  topic: 'topicKeys, or a topic with its masterKey',
  queue: 'a queue with its encryptionMasterKey',
  stream: 'a stream with its encryptionKey',
};

/**
 * Whether the delivery role may use the resource's key as the service will for it: the KMS
 * operations its deliveries make (`keyActions`), called directly through the role with the
 * service's encryption context. A key policy that admits the role only through the service
 * (`kms:ViaService`) refuses the direct call too, so then only a test event decides.
 */
export async function keyUseSteps(
  destination: Destination,
  clients: DestinationClients,
  probe: {
    noun: keyof typeof KEY_GRANTS;
    service: string;
    /** The resource's key; none when it is not encrypted with KMS (then there is nothing to check). */
    key: string | undefined;
    encryptionContext: Record<string, string>;
    sendTestEvent: boolean;
  },
): Promise<CheckStep[]> {
  return probe.key ? [await keyUseStep(destination, clients, { ...probe, key: probe.key })] : [];
}

async function keyUseStep(
  destination: Destination,
  clients: DestinationClients,
  probe: {
    noun: keyof typeof KEY_GRANTS;
    service: string;
    key: string;
    encryptionContext: Record<string, string>;
    sendTestEvent: boolean;
  },
): Promise<CheckStep> {
  const { noun, service, key, encryptionContext } = probe;
  const actions = DELIVERY_PERMISSIONS[destination.type].keyActions;
  if (/^(arn:[^:]+:kms:[^:]*:\d*:)?alias\/aws\//.test(key)) {
    // An AWS managed key admits the principals of its own account, through its service only.
    return destination.roleArn?.split(':')[4] === arnParts(destinationArn(destination)).account
      ? { step: 'key use', verdict: 'ok', detail: `an AWS managed key, which ${service} uses for the role` }
      : {
          step: 'key use',
          verdict: 'fail',
          detail: `the ${noun} uses an AWS managed key, which no role of another account may use`,
          fix: `encrypt the ${noun} with a customer managed key whose policy lets the delivery role use it`,
        };
  }
  try {
    const kms = clients.client(KMSClient, destination);
    const { CiphertextBlob } = await kms.send(
      new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256', EncryptionContext: encryptionContext }),
    );
    if (actions.includes('kms:Decrypt'))
      await kms.send(
        new DecryptCommand({ KeyId: key, CiphertextBlob, EncryptionContext: encryptionContext }),
      );
    return {
      step: 'key use',
      verdict: 'ok',
      detail: `the delivery role may use the key: ${actions.join(', ')}`,
    };
  } catch (error) {
    const { name, message } = error as Error;
    if (name === 'NotFoundException' || name === 'DisabledException' || name === 'KMSInvalidStateException') {
      return {
        step: 'key use',
        verdict: 'fail',
        detail: `the ${noun}'s key ${key} cannot be used: ${name}: ${message}`,
        fix: `give the ${noun} an enabled key of its account and region`,
      };
    }
    const grant = `grant the delivery role ${actions.join(' and ')} on ${key} (the DeliveryRole construct does, given ${KEY_GRANTS[noun]}), and let the key policy allow it: a statement for your account's root (which defers to IAM policies) or for the role`;
    const detail = `the delivery role may not use the ${noun}'s key ${key}, so ${service} would refuse every delivery: ${name}: ${message}`;
    return probe.sendTestEvent
      ? {
          step: 'key use',
          verdict: 'warn',
          detail: `${detail}; a key policy admitting the role only through ${service} (kms:ViaService) refuses this direct call too: the test event decides`,
          fix: grant,
        }
      : {
          step: 'key use',
          verdict: 'fail',
          detail,
          fix: `${grant}. If the key policy admits the role only through ${service} (kms:ViaService), run the check with --send-test-event, which delivers through ${service}`,
        };
  }
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
