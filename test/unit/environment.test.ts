import { readDispatcherEnvironment } from '../../lambda/dispatcher/environment';

describe('readDispatcherEnvironment', () => {
  it('reads the configuration with defaults and detects a FIFO dead-letter queue', () => {
    const environment = readDispatcherEnvironment({
      DESTINATIONS: '[]',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq.fifo',
      AWS_REGION: 'us-east-1',
    });

    expect(environment).toEqual({
      destinationsJson: '[]',
      deadLetterQueue: { url: 'https://sqs.us-east-1.amazonaws.com/1/dlq.fifo', fifo: true },
      maxReceiveCount: 5,
      concurrency: 16,
      region: 'us-east-1',
    });
  });

  it('names every missing or invalid variable at once', () => {
    expect(() => readDispatcherEnvironment({ MAX_RECEIVE_COUNT: 'many', DELIVERY_CONCURRENCY: '0' })).toThrow(
      'Dispatcher configuration is invalid: DESTINATIONS is not set; DEAD_LETTER_QUEUE_URL is not set; MAX_RECEIVE_COUNT must be a positive integer, got "many"; DELIVERY_CONCURRENCY must be a positive integer, got "0"',
    );
  });
});
