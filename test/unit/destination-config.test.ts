import { InvalidDestinationConfigError, parseDestinations } from '../../lambda/shared/destination-config';
import { fifoTopicDestination, lambdaDestination, standardTopicDestination } from '../support/fixtures';

describe('parseDestinations', () => {
  it('accepts lambda and sns destinations and defaults invocationType to Event', () => {
    const { invocationType: _default, ...withoutInvocationType } = lambdaDestination;

    const parsed = parseDestinations([withoutInvocationType, standardTopicDestination, fifoTopicDestination]);

    expect(parsed).toEqual([lambdaDestination, standardTopicDestination, fifoTopicDestination]);
  });

  it('accepts a lambda destination without a role (resource-based policy on the function)', () => {
    const { roleArn: _r, externalId: _e, ...direct } = lambdaDestination;

    expect(parseDestinations([direct])).toEqual([direct]);
  });

  it('reports every problem at once, naming the destination and the field', () => {
    const input = [
      { ...lambdaDestination, functionArn: 'orders', invocationType: 'Sync' },
      { ...standardTopicDestination, id: 'orders-fn', externalId: undefined, events: [] },
      { ...fifoTopicDestination, topicArn: 'arn:aws:sqs:us-east-1:111122223333:q', typo: true },
    ];

    let error: unknown;
    try {
      parseDestinations(input);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(InvalidDestinationConfigError);
    const problems = (error as InvalidDestinationConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^destination "orders-fn": functionArn must be a Lambda function ARN/),
        expect.stringMatching(/^destination "orders-fn": invocationType /),
        expect.stringMatching(/^destination "orders-fn": externalId /),
        expect.stringMatching(/^destination "orders-fn": events must list at least one event name/),
        expect.stringMatching(/^destination "orders-fifo": topicArn must be an SNS topic ARN/),
        expect.stringMatching(/^destination "orders-fifo": \(entry\) .*typo/),
      ]),
    );
  });

  it('rejects a role without an external id on a lambda destination', () => {
    const { externalId: _e, ...roleOnly } = lambdaDestination;

    expect(() => parseDestinations([roleOnly])).toThrow(
      /destination "orders-fn": externalId goes with roleArn/,
    );
  });

  it('offloads oversize events only through a delivery role', () => {
    const { roleArn: _r, externalId: _e, ...direct } = lambdaDestination;

    expect(
      parseDestinations([{ ...standardTopicDestination, offloadOversize: true }])[0].offloadOversize,
    ).toBe(true);
    expect(() => parseDestinations([{ ...direct, offloadOversize: true }])).toThrow(
      /destination "orders-fn": offloadOversize needs roleArn/,
    );
    expect(() => parseDestinations([{ ...standardTopicDestination, offloadOversize: 'yes' }])).toThrow(
      /destination "marketing": offloadOversize /,
    );
  });

  it('takes an optional positive rate limit per destination', () => {
    expect(parseDestinations([{ ...lambdaDestination, maxEventsPerSecond: 2.5 }])[0].maxEventsPerSecond).toBe(
      2.5,
    );
    expect(() => parseDestinations([{ ...standardTopicDestination, maxEventsPerSecond: 0 }])).toThrow(
      /destination "marketing": maxEventsPerSecond must be a positive number of events per second/,
    );
  });

  it('rejects duplicate ids', () => {
    expect(() =>
      parseDestinations([lambdaDestination, { ...standardTopicDestination, id: 'orders-fn' }]),
    ).toThrow(/destination "orders-fn": id is used twice/);
  });

  it('rejects an external id outside what STS accepts', () => {
    expect(() => parseDestinations([{ ...fifoTopicDestination, externalId: 'a' }])).toThrow(
      /externalId must be 2-1224/,
    );
  });

  it('rejects a config that is not a list', () => {
    expect(() => parseDestinations({ destinations: [] })).toThrow(/destinations: /);
  });
});
