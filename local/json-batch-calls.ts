/**
 * The delivery calls of the JSON-protocol destinations, as the local gateway sees them on the
 * wire: Kinesis `PutRecords`, EventBridge `PutEvents` and SQS `SendMessageBatch`. What the
 * gateway needs of each, to inject faults into it and count what it delivered: whose call it is,
 * its entries, the call without some of them, and the answer with those reported as failed.
 */

export type JsonBatchService = 'kinesis' | 'events' | 'sqs';

export interface JsonBatchCall {
  readonly service: JsonBatchService;
  /** The destination's ARN: the stream, the bus, or the queue. */
  readonly arn: string;
  /** Entry ids as faults name them: positions for Kinesis and EventBridge, `Id`s for SQS. */
  readonly entryIds: readonly string[];
  /** The request without the given entries. */
  without(failed: ReadonlySet<string>): unknown;
  /** The service's answer to the whole request, given its answer to `without(failed)`. */
  withFailures(
    answer: Record<string, unknown> | undefined,
    failed: ReadonlySet<string>,
  ): Record<string, unknown>;
  /** Entries the answer reports as delivered. */
  delivered(answer: Record<string, unknown>): number;
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** The batch call a request is, from its `X-Amz-Target` header and body; undefined for any other request. */
export function readJsonBatchCall(target: string | undefined, body: Buffer): JsonBatchCall | undefined {
  if (!target) return undefined;
  const action = target.split('.').pop();
  if (action !== 'PutRecords' && action !== 'PutEvents' && action !== 'SendMessageBatch') return undefined;
  let request: Json;
  try {
    request = JSON.parse(body.toString('utf8')) as Json;
  } catch {
    return undefined;
  }
  if (action === 'PutRecords')
    return positional('kinesis', String(request.StreamARN ?? ''), request, 'Records');
  if (action === 'PutEvents') {
    const [first] = list(request.Entries);
    return positional('events', String(first?.EventBusName ?? ''), request, 'Entries');
  }
  return queueBatch(request);
}

/** Kinesis and EventBridge answer with one result per entry, in order, and a failed count. */
function positional(
  service: 'kinesis' | 'events',
  arn: string,
  request: Json,
  field: 'Records' | 'Entries',
): JsonBatchCall {
  const entries = list(request[field]);
  const ids = entries.map((_, index) => String(index));
  const countField = service === 'kinesis' ? 'FailedRecordCount' : 'FailedEntryCount';
  // Both services name a transient failure of one entry `InternalFailure`.
  const failure = { ErrorCode: 'InternalFailure', ErrorMessage: 'injected partial failure' };
  return {
    service,
    arn,
    entryIds: ids,
    without: (failed) => ({ ...request, [field]: entries.filter((_, i) => !failed.has(String(i))) }),
    withFailures: (answer, failed) => {
      const results = list(answer?.[field]);
      let next = 0;
      const merged = ids.map((id) => (failed.has(id) ? failure : (results[next++] ?? failure)));
      return { ...answer, [field]: merged, [countField]: merged.filter((r) => 'ErrorCode' in r).length };
    },
    delivered: (answer) => list(answer[field]).filter((r) => !r.ErrorCode).length,
  };
}

/** SQS answers with the `Successful` and `Failed` entries by `Id`. */
function queueBatch(request: Json): JsonBatchCall {
  const url = String(request.QueueUrl ?? '');
  const [account, name] = new URL(url, 'http://localhost').pathname.split('/').filter(Boolean);
  const host = /^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(url);
  const entries = list(request.Entries);
  return {
    service: 'sqs',
    arn: `arn:aws:sqs:${host?.[1] ?? 'us-east-1'}:${account}:${name}`,
    entryIds: entries.map((e) => String(e.Id)),
    without: (failed) => ({ ...request, Entries: entries.filter((e) => !failed.has(String(e.Id))) }),
    withFailures: (answer, failed) => ({
      ...answer,
      Successful: list(answer?.Successful),
      Failed: [
        ...list(answer?.Failed),
        ...[...failed].map((Id) => ({
          Id,
          Code: 'InternalError',
          SenderFault: false,
          Message: 'injected partial failure',
        })),
      ],
    }),
    delivered: (answer) => list(answer.Successful).length,
  };
}
