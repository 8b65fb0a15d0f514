import type { DestinationSpec, DestinationType } from '../../lambda/shared/destination-config';
import { UsageError } from '../cli-kit';
import type { Values } from './options';

/**
 * A destination as the API's DestinationRequest takes it (POST destinations): its type's fields,
 * plus `region` (checked against the resource's ARN) and, for Lambda, `functionName` and `account`
 * instead of `functionArn`. Both backends turn it into the stored destination the same way.
 */
export type DestinationRequestBody = { readonly id: string; readonly type: DestinationType } & Readonly<
  Record<string, unknown>
>;

/** The fields that say which resource a destination is: a new resource flag replaces them all. */
const RESOURCE_FIELDS = [
  'functionArn',
  'functionName',
  'account',
  'topicArn',
  'streamArn',
  'eventBusArn',
  'queueArn',
];
/** Fields only some types have: a destination changing type keeps none of the old type's. */
const TYPE_FIELDS = ['invocationType', 'source', 'maxMessageBytes'];

/** A destination from command-line flags: new, or `current` with the given fields changed. */
export function destinationFrom(
  id: string,
  values: Values,
  current: DestinationSpec | undefined,
): DestinationRequestBody {
  const flag = (name: string) => values[name] as string | undefined;
  const base: Record<string, unknown> = current ? { ...current } : { id };
  if (flag('function-arn') && flag('function-name'))
    throw new UsageError('give --function-arn, or --region and --function-name, not both', 'add');
  const lambda = flag('function-arn')
    ? { type: 'lambda', functionArn: flag('function-arn') }
    : flag('function-name')
      ? {
          type: 'lambda',
          functionName: flag('function-name'),
          ...(flag('account') !== undefined && { account: flag('account') }),
        }
      : undefined;
  // The one resource flag given names the destination's type.
  const resources: { readonly type: string }[] = [
    lambda,
    flag('topic-arn') && { type: 'sns', topicArn: flag('topic-arn') },
    flag('stream-arn') && { type: 'kinesis', streamArn: flag('stream-arn') },
    flag('event-bus-arn') && { type: 'eventbridge', eventBusArn: flag('event-bus-arn') },
    flag('queue-arn') && { type: 'sqs', queueArn: flag('queue-arn') },
  ].filter((resource) => typeof resource === 'object');
  if (resources.length > 1)
    throw new UsageError('give one function, topic, stream, event bus or queue, not several', 'add');
  const [resource] = resources;
  if (resource) {
    for (const field of RESOURCE_FIELDS) delete base[field];
    if (base.type !== resource.type) for (const field of TYPE_FIELDS) delete base[field];
    Object.assign(base, resource);
  }
  if (!base.type)
    throw new UsageError(
      'give --function-arn (or --region and --function-name), --topic-arn, --stream-arn, --event-bus-arn or --queue-arn',
      'add',
    );
  if (flag('region') !== undefined) base.region = flag('region');
  if (flag('source') !== undefined) base.source = flag('source');
  if (flag('invocation-type')) base.invocationType = flag('invocation-type');
  if (flag('role-arn') !== undefined) base.roleArn = flag('role-arn') || undefined;
  base.events = flag('events')
    ?.split(',')
    .map((e) => e.trim()) ??
    base.events ?? ['*'];
  if (values['offload-oversize'] !== undefined) base.offloadOversize = values['offload-oversize'];
  if (flag('max-events-per-second') !== undefined)
    base.maxEventsPerSecond = Number(flag('max-events-per-second'));
  if (flag('max-message-bytes') !== undefined) base.maxMessageBytes = Number(flag('max-message-bytes'));
  if (flag('required-consent') !== undefined) {
    const categories = flag('required-consent')
      ?.split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    base.requiredConsent = categories?.length ? categories : undefined;
  }
  return base as DestinationRequestBody;
}

/**
 * What an update changes, as PATCH takes it: the fields of `next` that differ from `current`, and
 * `null` for each field `next` no longer has.
 */
export function changedFields(
  current: Readonly<Record<string, unknown>>,
  next: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(next))
    if (field !== 'id' && value !== undefined && JSON.stringify(value) !== JSON.stringify(current[field]))
      changes[field] = value;
  for (const field of Object.keys(current))
    if (field !== 'id' && next[field] === undefined) changes[field] = null;
  return changes;
}
