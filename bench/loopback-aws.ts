import { createHash, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRetryBundle } from '../lambda/dispatcher/settle/retry-bundle';
import { type AwsOperation, LatencyModel } from './latency-model';

export interface LoopbackAwsOptions {
  /**
   * A further delay for each call to a function or topic, by its name (the ARN's last part): a
   * slow or hung destination. Added to the latency model's draw for the call.
   * @default 0
   */
  readonly delayMs?: (target: string) => number;
  /** How long each operation takes to answer (every operation: STS, SNS, Lambda, SQS, Kinesis, EventBridge). @default instant */
  readonly latency?: LatencyModel;
  /**
   * Queues, by name, that are destinations: what is sent to them is counted as delivered (under
   * `calls` and `delivered`). Other queues are the dispatcher's own (retries, dead letters).
   * @default none
   */
  readonly destinationQueues?: readonly string[];
}

/** What the stand-in was asked to do. */
export interface LoopbackCounts {
  assumeRole: number;
  /**
   * Events accepted, by target name: the ARN's last `:` part (`orders`, `orders.fifo`,
   * `stream/clicks`, `event-bus/audit`, a destination queue's name).
   */
  delivered: Map<string, number>;
  /** Calls answered, by target name. */
  calls: Map<string, number>;
  /** Events sent to SQS queues that are not destinations (a retry bundle counts its events), by attribute `target_destinations` ('' when none). */
  sqsMessages: Map<string, number>;
  /** Retried events, by the reason their retry carries (a bundle's events each carry their own). */
  retryReasons: Map<string, number>;
  /** Message groups of the SQS messages received. */
  sqsGroups: Map<string, number>;
}

/**
 * A stand-in for AWS on 127.0.0.1 that answers what the dispatcher calls (STS AssumeRole, SNS
 * PublishBatch, Lambda Invoke, SQS SendMessageBatch, Kinesis PutRecords, EventBridge PutEvents)
 * and what a naive dispatcher calls instead (SNS Publish, SQS SendMessage, Kinesis PutRecord) at
 * once, or after the latency model's delay for the operation plus a delay per target, and counts
 * everything. For benchmarks and tests of the real handler without the emulator's cost.
 */
export class LoopbackAws {
  private server?: http.Server;
  readonly counts: LoopbackCounts = LoopbackAws.emptyCounts();
  /** The latency model answering from now on; a benchmark may swap it between runs. */
  latency: LatencyModel;

  constructor(private readonly options: LoopbackAwsOptions = {}) {
    this.latency = options.latency ?? LatencyModel.instant();
  }

  static emptyCounts(): LoopbackCounts {
    return {
      assumeRole: 0,
      delivered: new Map(),
      calls: new Map(),
      sqsMessages: new Map(),
      retryReasons: new Map(),
      sqsGroups: new Map(),
    };
  }

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('loopback AWS not started');
    return `http://127.0.0.1:${address.port}`;
  }

  reset(): void {
    Object.assign(this.counts, LoopbackAws.emptyCounts());
  }

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.answer(request, Buffer.concat(chunks).toString('utf8'), response));
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private answer(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
    if (invoke) {
      const name = decodeURIComponent(invoke[1]).split(':').slice(6, 7)[0] ?? invoke[1];
      this.later('lambda:Invoke', name, response, () => {
        this.count(this.counts.delivered, name, 1);
        response.writeHead(202, { 'x-amzn-requestid': randomUUID() });
        response.end();
      });
      return;
    }
    const target = request.headers['x-amz-target'];
    const form = new URLSearchParams(body);
    if (target === 'AmazonSQS.SendMessageBatch') this.sendMessageBatch(JSON.parse(body), response);
    else if (target === 'AmazonSQS.SendMessage') this.sendMessage(JSON.parse(body), response);
    else if (target === 'Kinesis_20131202.PutRecords') this.putRecords(JSON.parse(body), response);
    else if (target === 'Kinesis_20131202.PutRecord') this.putRecord(JSON.parse(body), response);
    else if (target === 'AWSEvents.PutEvents') this.putEvents(JSON.parse(body), response);
    else if (form.get('Action') === 'AssumeRole') this.assumeRole(form, response);
    else if (form.get('Action') === 'PublishBatch') this.publishBatch(form, response);
    else if (form.get('Action') === 'Publish') this.publish(form, response);
    else this.refuse(request, target ?? form.get('Action'), response);
  }

  private refuse(request: http.IncomingMessage, action: unknown, response: http.ServerResponse): void {
    response.writeHead(400, { 'content-type': 'text/plain' });
    response.end(`loopback AWS does not answer ${request.method} ${request.url} ${String(action)}`);
  }

  /**
   * Answers after the operation's modelled latency plus the target's delay (a call to a function
   * or topic, counted under its name), unless the caller gave up first.
   */
  private later(
    operation: AwsOperation,
    target: string | undefined,
    response: http.ServerResponse,
    reply: () => void,
  ): void {
    const delay =
      this.latency.draw(operation) + (target === undefined ? 0 : (this.options.delayMs?.(target) ?? 0));
    const send = () => {
      if (response.destroyed || response.writableEnded) return;
      if (target !== undefined) this.count(this.counts.calls, target, 1);
      reply();
    };
    if (delay <= 0) send();
    else setTimeout(send, delay).unref();
  }

  private assumeRole(form: URLSearchParams, response: http.ServerResponse): void {
    this.counts.assumeRole += 1;
    const account = (form.get('RoleArn') ?? '').split(':')[4] ?? '111122223333';
    this.later('sts:AssumeRole', undefined, response, () =>
      xml(
        response,
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIALOOPBACK</AccessKeyId><SecretAccessKey>loopback</SecretAccessKey><SessionToken>loopback</SessionToken><Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/loopback/session</Arn><AssumedRoleId>AROALOOPBACK:session</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      ),
    );
  }

  private publishBatch(form: URLSearchParams, response: http.ServerResponse): void {
    const name = (form.get('TopicArn') ?? '').split(':').pop() ?? '';
    const ids = [...form.entries()]
      .filter(([key]) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(key))
      .map(([, id]) => id);
    this.later('sns:PublishBatch', name, response, () => {
      this.count(this.counts.delivered, name, ids.length);
      const members = ids.map(
        (id) => `<member><Id>${id}</Id><MessageId>${randomUUID()}</MessageId></member>`,
      );
      xml(
        response,
        `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful>${members.join('')}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishBatchResponse>`,
      );
    });
  }

  /** A single Publish: what a naive dispatcher sends, one per event. */
  private publish(form: URLSearchParams, response: http.ServerResponse): void {
    const name = (form.get('TopicArn') ?? '').split(':').pop() ?? '';
    this.later('sns:Publish', name, response, () => {
      this.count(this.counts.delivered, name, 1);
      xml(
        response,
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  }

  private sendMessageBatch(
    input: {
      QueueUrl?: string;
      Entries: {
        Id: string;
        MessageBody: string;
        MessageGroupId?: string;
        MessageAttributes?: Record<string, { StringValue?: string }>;
      }[];
    },
    response: http.ServerResponse,
  ): void {
    const queue = this.destinationQueue(input.QueueUrl);
    const successful = input.Entries.map((entry) => {
      if (queue === undefined) this.countOwnMessage(entry);
      return {
        Id: entry.Id,
        MessageId: randomUUID(),
        MD5OfMessageBody: md5(entry.MessageBody),
      };
    });
    this.later('sqs:SendMessageBatch', queue, response, () => {
      if (queue !== undefined) this.count(this.counts.delivered, queue, input.Entries.length);
      json(response, '1.0', { Successful: successful, Failed: [] });
    });
  }

  /** A single SendMessage: what a naive dispatcher sends to a queue, one per event. */
  private sendMessage(
    input: {
      QueueUrl?: string;
      MessageBody: string;
      MessageGroupId?: string;
      MessageAttributes?: Record<string, { StringValue?: string }>;
    },
    response: http.ServerResponse,
  ): void {
    const queue = this.destinationQueue(input.QueueUrl);
    if (queue === undefined) this.countOwnMessage(input);
    this.later('sqs:SendMessage', queue, response, () => {
      if (queue !== undefined) this.count(this.counts.delivered, queue, 1);
      json(response, '1.0', { MessageId: randomUUID(), MD5OfMessageBody: md5(input.MessageBody) });
    });
  }

  /** The queue's name when it is a destination; undefined for the dispatcher's own queues. */
  private destinationQueue(url: string | undefined): string | undefined {
    const name = new URL(url ?? '', 'http://localhost').pathname.split('/').filter(Boolean).pop() ?? '';
    return this.options.destinationQueues?.includes(name) ? name : undefined;
  }

  /** A message to the dispatcher's own queues: a retry (a bundle counts its events) or a dead letter. */
  private countOwnMessage(entry: {
    MessageBody: string;
    MessageGroupId?: string;
    MessageAttributes?: Record<string, { StringValue?: string }>;
  }): void {
    const attributes = entry.MessageAttributes ?? {};
    const bundled = readRetryBundle(entry.MessageBody);
    this.count(
      this.counts.sqsMessages,
      attributes.target_destinations?.StringValue ?? '',
      bundled?.length ?? 1,
    );
    const reasons = bundled?.map((e) => e.last_error_code) ?? [attributes.last_error_code?.StringValue];
    for (const reason of reasons) if (reason) this.count(this.counts.retryReasons, reason, 1);
    if (entry.MessageGroupId) this.count(this.counts.sqsGroups, entry.MessageGroupId, 1);
  }

  private putRecords(input: { StreamARN?: string; Records: unknown[] }, response: http.ServerResponse): void {
    const name = (input.StreamARN ?? '').split(':').pop() ?? '';
    this.later('kinesis:PutRecords', name, response, () => {
      this.count(this.counts.delivered, name, input.Records.length);
      json(response, '1.1', {
        FailedRecordCount: 0,
        Records: input.Records.map(() => this.kinesisRecord()),
      });
    });
  }

  /** A single PutRecord: what a naive dispatcher sends to a stream, one per event. */
  private putRecord(input: { StreamARN?: string }, response: http.ServerResponse): void {
    const name = (input.StreamARN ?? '').split(':').pop() ?? '';
    this.later('kinesis:PutRecord', name, response, () => {
      this.count(this.counts.delivered, name, 1);
      json(response, '1.1', this.kinesisRecord());
    });
  }

  private sequence = 0n;

  private kinesisRecord() {
    this.sequence += 1n;
    return {
      SequenceNumber: String(49_000_000_000_000_000_000n + this.sequence),
      ShardId: 'shardId-000000000000',
    };
  }

  /** PutEvents, whatever the number of entries (the naive dispatcher sends one): counted by the first entry's bus. */
  private putEvents(input: { Entries: { EventBusName?: string }[] }, response: http.ServerResponse): void {
    const name = (input.Entries[0]?.EventBusName ?? 'default').split(':').pop() ?? '';
    this.later('events:PutEvents', name, response, () => {
      this.count(this.counts.delivered, name, input.Entries.length);
      json(response, '1.1', {
        FailedEntryCount: 0,
        Entries: input.Entries.map(() => ({ EventId: randomUUID() })),
      });
    });
  }

  private count(map: Map<string, number>, key: string, n: number): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** A JSON-protocol answer (SQS 1.0; Kinesis and EventBridge 1.1). */
function json(response: http.ServerResponse, version: '1.0' | '1.1', body: unknown): void {
  response.writeHead(200, {
    'content-type': `application/x-amz-json-${version}`,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(JSON.stringify(body));
}

function xml(response: http.ServerResponse, text: string): void {
  response.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  response.end(text);
}
