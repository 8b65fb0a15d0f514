import { ApiError } from '../../../lambda/control-plane/http/api-error';
import { toDestinationInput } from '../../../lambda/control-plane/routes/destination-request';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery';
const NO_ACCOUNTS = { invokeAccounts: [] as string[] };

/** The problems toDestinationInput refuses a request with, or none. */
function problemsOf(request: Record<string, unknown>, context = NO_ACCOUNTS) {
  try {
    toDestinationInput(request, context);
    return [];
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    expect(error).toMatchObject({ status: 400, code: 'InvalidRequest' });
    return error.problems.map((p) => ({ ...p }));
  }
}
const fieldsOf = (request: Record<string, unknown>, context = NO_ACCOUNTS) =>
  problemsOf(request, context).map((p) => p.field);

describe('toDestinationInput', () => {
  it('builds a Lambda function ARN from region and function name, in the account of the role', () => {
    // Act
    const input = toDestinationInput(
      {
        id: 'orders',
        type: 'lambda',
        region: 'eu-west-1',
        functionName: 'orders-handler',
        roleArn: ROLE_ARN,
      },
      NO_ACCOUNTS,
    );

    // Assess
    expect(input).toEqual({
      id: 'orders',
      type: 'lambda',
      functionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:orders-handler',
      roleArn: ROLE_ARN,
      events: ['*'],
    });
  });

  it('takes the account from `account` first', () => {
    // Act
    const input = toDestinationInput(
      {
        id: 'orders',
        type: 'lambda',
        region: 'us-east-1',
        functionName: 'fn',
        account: '444455556666',
        roleArn: ROLE_ARN,
      },
      { invokeAccounts: ['777788889999'] },
    );

    // Assess
    expect(input).toMatchObject({ functionArn: 'arn:aws:lambda:us-east-1:444455556666:function:fn' });
  });

  it("takes the account from the workspace's only invoke account when there is no role", () => {
    // Act
    const input = toDestinationInput(
      { id: 'orders', type: 'lambda', region: 'us-east-1', functionName: 'fn' },
      { invokeAccounts: ['777788889999'] },
    );

    // Assess
    expect(input).toEqual({
      id: 'orders',
      type: 'lambda',
      functionArn: 'arn:aws:lambda:us-east-1:777788889999:function:fn',
      events: ['*'],
    });
  });

  it('does not guess between several invoke accounts: it names account', () => {
    // Act
    const problems = problemsOf(
      { id: 'orders', type: 'lambda', region: 'us-east-1', functionName: 'fn' },
      { invokeAccounts: ['777788889999', '444455556666'] },
    );

    // Assess
    expect(problems).toEqual([{ field: 'account', message: expect.stringContaining('roleArn') }]);
  });

  it('names region when a function name comes without it', () => {
    // Act
    const problems = problemsOf({ id: 'orders', type: 'lambda', functionName: 'fn', roleArn: ROLE_ARN });

    // Assess
    expect(problems).toEqual([{ field: 'region', message: 'is needed with functionName' }]);
  });

  it('names account when a function name has no account to go with', () => {
    // Act
    const fields = fieldsOf({ id: 'orders', type: 'lambda', region: 'us-east-1', functionName: 'fn' });

    // Assess
    expect(fields).toEqual(['account']);
  });

  it('names both region and account when both are missing, at once', () => {
    // Act
    const fields = fieldsOf({ id: 'orders', type: 'lambda', functionName: 'fn' });

    // Assess
    expect(fields).toEqual(['region', 'account']);
  });

  it('names functionName when a function ARN is given too', () => {
    // Act
    const problems = problemsOf({
      id: 'orders',
      type: 'lambda',
      region: 'us-east-1',
      functionName: 'fn',
      functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:fn',
      roleArn: ROLE_ARN,
    });

    // Assess
    expect(problems).toEqual([
      { field: 'functionName', message: 'give functionArn, or region and functionName, not both' },
    ]);
  });

  it('takes a function ARN as it is, with a region that matches it', () => {
    // Act
    const input = toDestinationInput(
      {
        id: 'orders',
        type: 'lambda',
        region: 'us-east-1',
        functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:fn:live',
        roleArn: ROLE_ARN,
      },
      NO_ACCOUNTS,
    );

    // Assess
    expect(input).toMatchObject({ functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:fn:live' });
    expect(input).not.toHaveProperty('region');
  });

  it("names region when it is not the region of the resource's ARN", () => {
    // Act
    const problems = problemsOf({
      id: 'orders',
      type: 'lambda',
      region: 'eu-west-1',
      functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:fn',
      roleArn: ROLE_ARN,
    });

    // Assess
    expect(problems).toEqual([
      { field: 'region', message: 'is not the region of arn:aws:lambda:us-east-1:111122223333:function:fn' },
    ]);
  });

  it('takes an SNS topic by region, topic ARN and role ARN', () => {
    // Act
    const input = toDestinationInput(
      {
        id: 'orders-topic',
        type: 'sns',
        region: 'us-east-1',
        topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
        roleArn: ROLE_ARN,
      },
      NO_ACCOUNTS,
    );

    // Assess
    expect(input).toEqual({
      id: 'orders-topic',
      type: 'sns',
      topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
      roleArn: ROLE_ARN,
      events: ['*'],
    });
  });

  it("names region when an SNS topic's ARN is in another region", () => {
    // Act
    const fields = fieldsOf({
      id: 'orders-topic',
      type: 'sns',
      region: 'eu-central-1',
      topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
      roleArn: ROLE_ARN,
    });

    // Assess
    expect(fields).toEqual(['region']);
  });

  it('sends every event by default, and keeps the events given', () => {
    // Prepare
    const topic = {
      id: 'orders-topic',
      type: 'sns',
      topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
      roleArn: ROLE_ARN,
    };

    // Act
    const all = toDestinationInput(topic, NO_ACCOUNTS);
    const some = toDestinationInput({ ...topic, events: ['Order Completed'] }, NO_ACCOUNTS);

    // Assess
    expect(all.events).toEqual(['*']);
    expect(some.events).toEqual(['Order Completed']);
  });

  it.each([
    ['topicArn', { topicArn: 'arn:aws:sqs:us-east-1:111122223333:orders' }],
    ['roleArn', { roleArn: 'arn:aws:iam::111122223333:user/someone' }],
    ['events', { events: [] }],
    ['maxMessageBytes', { maxMessageBytes: 10 }],
    ['id', { id: 'has spaces' }],
    ['maxEventsPerSecond', { maxEventsPerSecond: -1 }],
  ])('names %s when it is wrong', (field, wrong) => {
    // Prepare
    const topic = {
      id: 'orders-topic',
      type: 'sns',
      topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
      roleArn: ROLE_ARN,
    };

    // Act
    const fields = fieldsOf({ ...topic, ...wrong });

    // Assess
    expect(fields).toEqual([field]);
  });

  it('names, as the field, a field the type does not have', () => {
    // Act
    const problems = problemsOf({
      id: 'orders-topic',
      type: 'sns',
      topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
      roleArn: ROLE_ARN,
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/orders',
    });

    // Assess
    expect(problems).toEqual([{ field: 'queueUrl', message: 'is not a field here' }]);
  });

  it("names the Lambda destination's own fields when they are wrong", () => {
    // Act
    const invocation = fieldsOf({
      id: 'orders',
      type: 'lambda',
      functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:fn',
      invocationType: 'Sometimes',
    });
    const arn = fieldsOf({
      id: 'orders',
      type: 'lambda',
      functionArn: 'arn:aws:sns:us-east-1:111122223333:t',
    });

    // Assess
    expect(invocation).toEqual(['invocationType']);
    expect(arn).toEqual(['functionArn']);
  });

  it.each([
    ['functionName', { functionName: 'not a name!' }],
    ['region', { region: 'mars-north-1' }],
    ['account', { account: '1234' }],
    ['account', { account: 111122223333 }],
  ])('names %s, not the function ARN built from it, when it is wrong', (field, wrong) => {
    // Act: an update's fields are not checked by the request schema; these must be, here
    const fields = fieldsOf({
      id: 'orders',
      type: 'lambda',
      region: 'us-east-1',
      functionName: 'fn',
      roleArn: ROLE_ARN,
      ...wrong,
    });

    // Assess
    expect(fields).toEqual([field]);
  });
});
