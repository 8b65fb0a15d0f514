import type { DestinationClients } from '../../../lambda/dispatcher/deliver/clients';
import { classifyError } from '../../../lambda/dispatcher/errors';
import type { Destination } from '../../../lambda/shared/destination-config';

/** What the setup check of every destination type shares: its step, and the steps several types take. */

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckStep {
  readonly step: string;
  readonly verdict: Verdict;
  readonly detail: string;
  /** What to change, when something is missing. */
  readonly fix?: string;
}

/** What a destination type's own resource is checked for, through the delivery role. */
export type TargetCheck<D extends Destination> = (
  destination: D,
  clients: DestinationClients,
) => Promise<CheckStep[]>;

/** A probe's failure: what is wrong, and what to grant or check. */
export function probeFailed(step: string, error: unknown, resource: string, grant: string): CheckStep[] {
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
