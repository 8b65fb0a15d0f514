import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { invokeFunction } from '../../lambda/dispatcher/deliver/drivers/lambda';
import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import { ingestMessage, invokeResponsePayload, lambdaDestination } from '../support/fixtures';

/**
 * A delivered payload's JSON, as dispatch-batch serializes it. The properties are added after
 * parsing: a destination's mapping may make a payload larger than any ingest body.
 */
const payload = (properties: Record<string, unknown> = {}): string => {
  const parsed = parseIngestMessage(JSON.stringify(ingestMessage()));
  if (!parsed.ok) throw new Error(parsed.reason);
  return JSON.stringify({
    ...parsed.payload,
    event: { ...parsed.payload.event, event_properties: properties },
  });
};

describe('invokeFunction', () => {
  const lambda = mockClient(LambdaClient);
  beforeEach(() => lambda.reset());

  it('invokes asynchronously by default with the seed payload', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const event = payload();

    const result = await invokeFunction(new LambdaClient({}), lambdaDestination, event);

    expect(result).toEqual({ ok: true });
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(input.FunctionName).toBe(lambdaDestination.functionArn);
    expect(input.InvocationType).toBe('Event');
    expect(Buffer.from(input.Payload as Uint8Array).toString('utf8')).toBe(event);
  });

  it('treats a FunctionError of a RequestResponse invocation as a retryable failure, naming only the error type', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: invokeResponsePayload({ errorType: 'TypeError', errorMessage: 'bad jane.doe@example.com' }),
    });

    const result = await invokeFunction(
      new LambdaClient({}),
      { ...lambdaDestination, invocationType: 'RequestResponse' },
      payload(),
    );

    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { InvocationType: 'RequestResponse' });
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'FunctionError', retryable: true }),
    });
    expect(!result.ok && result.error.message).toBe('function failed with TypeError');
  });

  it.each([
    ['Event', 1_048_576],
    ['RequestResponse', 6_291_456],
  ] as const)(
    'rejects a payload above the %s limit of %d bytes without calling Lambda',
    async (invocationType, limit) => {
      const atLimit = payload({ blob: 'x'.repeat(limit - 400) });
      const overLimit = payload({ blob: 'x'.repeat(limit) });
      lambda.on(InvokeCommand).resolves({ StatusCode: invocationType === 'Event' ? 202 : 200 });
      const destination = { ...lambdaDestination, invocationType };

      const accepted = await invokeFunction(new LambdaClient({}), destination, atLimit);
      const rejected = await invokeFunction(new LambdaClient({}), destination, overLimit);

      expect(accepted).toEqual({ ok: true });
      expect(rejected).toEqual({
        ok: false,
        error: expect.objectContaining({ code: 'PayloadTooLarge', retryable: false }),
      });
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    },
  );

  it('classifies a thrown error', async () => {
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' }));

    const result = await invokeFunction(new LambdaClient({}), lambdaDestination, payload());

    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'DestinationNotFound', retryable: false }),
    });
  });
});
