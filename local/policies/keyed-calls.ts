import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { KeyedResource } from './policy-reader';

/**
 * The delivery calls whose service uses the destination's KMS key on the caller's behalf, what
 * each service needs of the key, and the error each answers with when it cannot use it.
 */

type Service = KeyedResource['service'];

/** What the service asks KMS for, as whom, and with which `kms:ViaService` and encryption context. */
export const KEY_USE: Readonly<
  Record<Service, { operations: readonly string[]; contextKey: string; usedBy: 'caller' | 'service' }>
> = {
  // Publishers and senders need both (SNS and SQS docs); Kinesis producers only a data key.
  sns: { operations: ['GenerateDataKey', 'Decrypt'], contextKey: 'aws:sns:topicArn', usedBy: 'caller' },
  sqs: { operations: ['GenerateDataKey', 'Decrypt'], contextKey: 'aws:sqs:arn', usedBy: 'caller' },
  kinesis: { operations: ['GenerateDataKey'], contextKey: 'aws:kinesis:arn', usedBy: 'caller' },
  // EventBridge uses a bus's key itself: its key policy must let events.amazonaws.com in.
  events: {
    operations: ['GenerateDataKey', 'Decrypt'],
    contextKey: 'aws:events:event-bus:arn',
    usedBy: 'service',
  },
};

const SERVICE_BY_ACTION: Readonly<Record<string, Service>> = {
  Publish: 'sns',
  PublishBatch: 'sns',
  SendMessage: 'sqs',
  SendMessageBatch: 'sqs',
  PutRecord: 'kinesis',
  PutRecords: 'kinesis',
  PutEvents: 'events',
};

export const isKeyedAction = (action: string): boolean => Object.hasOwn(SERVICE_BY_ACTION, action);

/** The resource a delivery call writes to; undefined for any other call. */
export function keyedResource(
  action: string,
  params: { get(name: string): unknown },
  caller: { account: string },
  region: string,
): KeyedResource | undefined {
  const service = SERVICE_BY_ACTION[action];
  const text = (name: string) => {
    const value = params.get(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  switch (service) {
    case 'sns': {
      const arn = text('TopicArn') ?? text('TargetArn');
      return arn?.includes(':sns:') ? { service, arn } : undefined;
    }
    case 'sqs': {
      const url = text('QueueUrl');
      if (!url) return undefined;
      const [account, name] = new URL(url, 'http://localhost').pathname.split('/').filter(Boolean);
      const host = /^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(url);
      return name ? { service, arn: `arn:aws:sqs:${host?.[1] ?? region}:${account}:${name}` } : undefined;
    }
    case 'kinesis': {
      const name = text('StreamName');
      const arn = text('StreamARN') ?? (name && `arn:aws:kinesis:${region}:${caller.account}:stream/${name}`);
      return arn ? { service, arn } : undefined;
    }
    case 'events': {
      const [first] = (params.get('Entries') ?? []) as { EventBusName?: string }[];
      const bus = first?.EventBusName || 'default';
      const arn = bus.startsWith('arn:')
        ? bus
        : `arn:aws:events:${region}:${caller.account}:event-bus/${bus}`;
      return { service, arn };
    }
    default:
      return undefined;
  }
}

export type KeyFailure = 'denied' | 'not-found' | 'disabled';

const SNS_CODES = { denied: 'KMSAccessDenied', 'not-found': 'KMSNotFound', disabled: 'KMSDisabled' };
const SQS_CODES = {
  denied: ['KmsAccessDenied', 'KMS.AccessDeniedException'],
  'not-found': ['KmsNotFound', 'KMS.NotFoundException'],
  disabled: ['KmsDisabled', 'KMS.DisabledException'],
};
const JSON_CODES = {
  kinesis: {
    denied: 'KMSAccessDeniedException',
    'not-found': 'KMSNotFoundException',
    disabled: 'KMSDisabledException',
  },
  // EventBridge answers AccessDeniedException when it cannot use the bus's key, whatever the cause.
  events: {
    denied: 'AccessDeniedException',
    'not-found': 'AccessDeniedException',
    disabled: 'AccessDeniedException',
  },
  kms: { denied: 'AccessDeniedException', 'not-found': 'NotFoundException', disabled: 'DisabledException' },
};

/** Answers as `service` does when the KMS key cannot be used: its error code, on its protocol. */
export function answerKeyFailure(
  service: Service | 'kms',
  failure: KeyFailure,
  message: string,
  response: http.ServerResponse,
): void {
  const requestId = randomUUID();
  if (service === 'sns') {
    const xml = `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${SNS_CODES[failure]}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    response.writeHead(400, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    return void response.end(xml);
  }
  const [type, queryCode] = service === 'sqs' ? SQS_CODES[failure] : [JSON_CODES[service][failure]];
  response.writeHead(400, {
    'content-type': `application/x-amz-json-${service === 'sqs' ? '1.0' : '1.1'}`,
    'x-amzn-requestid': requestId,
    ...(queryCode && { 'x-amzn-query-error': `${queryCode};Sender` }),
  });
  response.end(JSON.stringify({ __type: service === 'sqs' ? `com.amazonaws.sqs#${type}` : type, message }));
}

/** The region a request was signed for. */
export function signedRegion(request: http.IncomingMessage): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
}

export const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
