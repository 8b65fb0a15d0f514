import type { Context } from 'aws-lambda';

/** A Lambda context for one invocation: its remaining time runs down from the function's timeout. */
export function invocationContext(timeoutMs: number, functionName = 'local'): Context {
  const start = Date.now();
  return {
    functionName,
    awsRequestId: 'local',
    getRemainingTimeInMillis: () => timeoutMs - (Date.now() - start),
  } as unknown as Context;
}
