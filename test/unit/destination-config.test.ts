import type { DestinationInput } from '../../lambda/shared/destination-config';
import { InvalidDestinationConfigError, parseDestinations } from '../../lambda/shared/destination-config';
import {
  busDestination,
  fifoQueueDestination,
  fifoTopicDestination,
  lambdaDestination,
  specOf,
  standardTopicDestination,
  streamDestination,
} from '../support/fixtures';

const lambdaSpec = specOf(lambdaDestination) as DestinationInput & { type: 'lambda' };
const standardTopicSpec = specOf(standardTopicDestination);
const fifoTopicSpec = specOf(fifoTopicDestination);

describe('parseDestinations', () => {
  it('accepts lambda and sns destinations and defaults invocationType to Event', () => {
    const { invocationType: _default, ...withoutInvocationType } = lambdaSpec;

    const parsed = parseDestinations([withoutInvocationType, standardTopicSpec, fifoTopicSpec]);

    expect(parsed).toEqual([lambdaSpec, standardTopicSpec, fifoTopicSpec]);
  });

  it('accepts stream, bus and queue destinations, and defaults a bus destination Source to event-delivery', () => {
    const { source: _source, ...busWithoutSource } = specOf(busDestination) as DestinationInput & {
      type: 'eventbridge';
    };

    const parsed = parseDestinations([
      specOf(streamDestination),
      busWithoutSource,
      specOf(fifoQueueDestination),
    ]);

    expect(parsed.map((d) => d.type)).toEqual(['kinesis', 'eventbridge', 'sqs']);
    expect(parsed[1]).toMatchObject({ source: 'event-delivery' });
  });

  it('names what is wrong with a stream, bus or queue destination', () => {
    const input = [
      { ...specOf(streamDestination), streamArn: 'arn:aws:kinesis:us-east-1:111122223333:clickstream' },
      { ...specOf(busDestination), source: 'aws.events', roleArn: undefined },
      {
        ...specOf(fifoQueueDestination),
        queueArn: `arn:aws:sqs:us-east-1:111122223333:${'q'.repeat(81)}`,
        maxMessageBytes: 2_000_000,
      },
    ];

    expect(() => parseDestinations(input)).toThrow(InvalidDestinationConfigError);
    try {
      parseDestinations(input);
    } catch (error) {
      expect((error as InvalidDestinationConfigError).problems).toEqual([
        'destination "clickstream": streamArn must be a Kinesis data stream ARN',
        expect.stringMatching(/^destination "events-bus": roleArn /),
        'destination "events-bus": source must be 1-256 characters of letters, digits and ._/- not starting with "aws." (reserved for AWS)',
        'destination "orders-queue-fifo": queueArn must be an SQS queue ARN',
        'destination "orders-queue-fifo": maxMessageBytes must be 1,024 to 1,048,576 bytes',
      ]);
    }
  });

  it('accepts a lambda destination without a role (resource-based policy on the function)', () => {
    const { roleArn: _r, ...direct } = lambdaSpec;

    expect(parseDestinations([direct])).toEqual([direct]);
  });

  it('reports every problem at once, naming the destination and the field', () => {
    const input = [
      { ...lambdaSpec, functionArn: 'orders', invocationType: 'Sync' },
      { ...standardTopicSpec, id: 'orders-fn', roleArn: undefined, events: [] },
      { ...fifoTopicSpec, topicArn: 'arn:aws:sqs:us-east-1:111122223333:q', typo: true },
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
        expect.stringMatching(/^destination "orders-fn": roleArn /),
        expect.stringMatching(/^destination "orders-fn": events must list at least one event name/),
        expect.stringMatching(/^destination "orders-fifo": topicArn must be an SNS topic ARN/),
        expect.stringMatching(/^destination "orders-fifo": \(entry\) .*typo/),
      ]),
    );
  });

  it('rejects an external id on a destination: the platform assigns one per workspace', () => {
    expect(() => parseDestinations([{ ...lambdaSpec, externalId: 'someone-elses-external-id' }])).toThrow(
      /destination "orders-fn": \(entry\) externalId is assigned by the platform, one per workspace/,
    );
  });

  it('offloads oversize events only through a delivery role', () => {
    const { roleArn: _r, ...direct } = lambdaSpec;

    expect(parseDestinations([{ ...standardTopicSpec, offloadOversize: true }])[0].offloadOversize).toBe(
      true,
    );
    expect(() => parseDestinations([{ ...direct, offloadOversize: true }])).toThrow(
      /destination "orders-fn": offloadOversize needs roleArn/,
    );
    expect(() => parseDestinations([{ ...standardTopicSpec, offloadOversize: 'yes' }])).toThrow(
      /destination "marketing": offloadOversize /,
    );
  });

  it('takes an optional positive rate limit per destination', () => {
    expect(parseDestinations([{ ...lambdaSpec, maxEventsPerSecond: 2.5 }])[0].maxEventsPerSecond).toBe(2.5);
    expect(() => parseDestinations([{ ...standardTopicSpec, maxEventsPerSecond: 0 }])).toThrow(
      /destination "marketing": maxEventsPerSecond must be a positive number of events per second/,
    );
  });

  it('rejects duplicate ids', () => {
    expect(() => parseDestinations([lambdaSpec, { ...standardTopicSpec, id: 'orders-fn' }])).toThrow(
      /destination "orders-fn": id is used twice/,
    );
  });

  it('rejects a config that is not a list', () => {
    expect(() => parseDestinations({ destinations: [] })).toThrow(/destinations: /);
  });
});
