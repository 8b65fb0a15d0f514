import {
  classifyEntryFailure,
  DELIVERED,
  type DeliveryError,
  type DeliveryResult,
  failed,
} from '../../errors';

/**
 * Reading a batch call's answer into one result per entry, in order. A 200 answer can still
 * carry per-entry failures; a failed call fails every entry with the same error; an entry the
 * answer does not mention failed, and is retried (the service did not say).
 */

const MISSING = () => classifyEntryFailure({ Code: 'MissingEntryResult', SenderFault: false });

/**
 * An entry failure of SNS or SQS, which name a transient one `InternalError` and say whether the
 * sender is at fault: an unknown code is retried unless it is.
 */
export const messageEntryFailure = (code: string, message?: string, senderFault?: boolean): DeliveryError =>
  classifyEntryFailure({ Code: code, Message: message, SenderFault: senderFault });

/** Makes the call and reads its answer; a thrown error is every entry's result. */
export async function callForResults<R>(
  entries: number,
  call: () => Promise<R>,
  read: (answer: R) => DeliveryResult[],
): Promise<DeliveryResult[]> {
  try {
    return read(await call());
  } catch (error) {
    const result = failed(error);
    return Array.from({ length: entries }, () => result);
  }
}

/** The answer of SNS `PublishBatch` and SQS `SendMessageBatch`: the `Successful` and `Failed` entries, by `Id`. */
export interface AnswerById {
  Successful?: readonly { Id?: string }[];
  Failed?: readonly { Id?: string; Code?: string; Message?: string; SenderFault?: boolean }[];
}

export function resultsById(
  ids: readonly (string | undefined)[],
  answer: AnswerById,
  entryFailure: (code: string, message?: string, senderFault?: boolean) => DeliveryError,
): DeliveryResult[] {
  const failures = new Map((answer.Failed ?? []).map((f) => [f.Id, f]));
  const successes = new Set((answer.Successful ?? []).map((s) => s.Id));
  return ids.map((id) => {
    const failure = failures.get(id);
    if (failure) {
      const { Code = 'UnknownEntryError', Message, SenderFault } = failure;
      return { ok: false, error: entryFailure(Code, Message, SenderFault) };
    }
    return successes.has(id) ? DELIVERED : { ok: false, error: MISSING() };
  });
}

/**
 * Kinesis `PutRecords` and EventBridge `PutEvents`: one result per entry sent, in the same order,
 * each with an `ErrorCode` or the id the service gave it.
 */
export function resultsByPosition(
  entries: number,
  results: readonly { ErrorCode?: string; ErrorMessage?: string; delivered: boolean }[],
  failure: (code: string, message?: string) => DeliveryError,
): DeliveryResult[] {
  return Array.from({ length: entries }, (_, position) => {
    const result = results[position];
    if (result?.ErrorCode) return { ok: false, error: failure(result.ErrorCode, result.ErrorMessage) };
    return result?.delivered ? DELIVERED : { ok: false, error: MISSING() };
  });
}
