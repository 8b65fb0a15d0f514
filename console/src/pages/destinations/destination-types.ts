/**
 * How the console names destination types. The API lists the types (`GET …/destination-types`)
 * by key only; a type it adds later still shows, under its key, until it is named here.
 */
const TYPE_NAMES: Readonly<Record<string, { readonly label: string; readonly description: string }>> = {
  lambda: { label: 'AWS Lambda', description: 'Invoke a function with each batch of events' },
  sns: { label: 'Amazon SNS', description: 'Publish to a topic, standard or FIFO' },
  sqs: { label: 'Amazon SQS', description: 'Send to a queue, standard or FIFO' },
  kinesis: { label: 'Amazon Kinesis Data Streams', description: 'Put records on a stream' },
  eventbridge: { label: 'Amazon EventBridge', description: 'Put events on an event bus' },
};

export function typeLabel(type: string): string {
  return TYPE_NAMES[type]?.label ?? type;
}

export function typeDescription(type: string): string | undefined {
  return TYPE_NAMES[type]?.description;
}
