import type { SQSRecord } from 'aws-lambda';

/** An ingest record as the event source mapping hands it to the dispatcher: first receive, sent now. */
export function sqsRecord(body: string, messageId: string, account: string): SQSRecord {
  const now = String(Date.now());
  return {
    messageId,
    receiptHandle: `r-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:${account}:ingest`,
    awsRegion: 'us-east-1',
  };
}
