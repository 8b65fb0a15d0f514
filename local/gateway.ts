import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { emulatorClient } from './accounts';
import type { PolicyDocument } from './definitions';
import {
  addFailedEntries,
  answerWithFault,
  type DestinationFaults,
  type FaultedService,
  type FaultInjector,
  publishBatchEntries,
  withoutEntries,
} from './fault-injector';
import { type JsonBatchCall, readJsonBatchCall } from './json-batch-calls';
import { trustPolicyAllows } from './trust-policy';

/** A function the gateway runs for `lambda:Invoke`; it throws to report a function error. */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface GatewayOptions {
  /** moto, for everything the gateway does not answer itself. */
  readonly emulatorEndpoint: string;
  /** Functions by ARN. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /** Called when an asynchronous invocation still fails after Lambda's two retries. */
  readonly onAsyncFailure?: (functionArn: string, payload: unknown, error: Error) => Promise<void>;
  /** Delay before each retry of a failed asynchronous invocation. @default 1 s, then 2 s (Lambda waits minutes) */
  readonly asyncRetryDelaysMs?: readonly number[];
  /**
   * Faults to inject into delivery calls (Lambda Invoke, SNS PublishBatch, Kinesis PutRecords,
   * EventBridge PutEvents, SQS SendMessageBatch to a destination queue, S3 PutObject). @default none
   */
  readonly faults?: FaultInjector;
  /** One destination's calls slow or failing for a window of time. @default none */
  readonly destinationFaults?: DestinationFaults;
  /** Destination ids by destination ARN (function, topic, stream, bus, queue), to know whose call a request is. @default none */
  readonly destinationIds?: ReadonlyMap<string, string>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * The endpoint the local dispatcher talks to, standing in for AWS: it runs `lambda:Invoke`
 * with the real consumer handler (moto runs no code without Docker), decides `sts:AssumeRole`
 * against the role's trust policy (moto does not enforce trust policies), and forwards
 * everything else to moto unchanged.
 */
export class LocalGateway {
  private server?: http.Server;
  private pending = new Set<Promise<void>>();
  private readonly iamClients = new Map<string, IAMClient>();
  readonly counts = {
    invocations: 0,
    assumeRoleAllowed: 0,
    assumeRoleDenied: 0,
    forwarded: 0,
    payloadUploadFaults: 0,
  };

  constructor(private readonly options: GatewayOptions) {}

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('gateway not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Asynchronous invocations still running or waiting for a retry. */
  get inFlight(): number {
    return this.pending.size;
  }

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: `local gateway: ${error.message}` }));
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const body = await readBody(request);
    const invoke = INVOKE_PATH.exec(request.url?.split('?')[0] ?? '');
    if (invoke && request.method === 'POST')
      return this.invoke(decodeURIComponent(invoke[1]), request, body, response);
    const form = request.headers['content-type']?.includes('x-www-form-urlencoded')
      ? new URLSearchParams(body.toString('utf8'))
      : undefined;
    if (form?.get('Action') === 'AssumeRole') return this.assumeRole(form, request, body, response);
    const target = request.headers['x-amz-target'];
    const batchCall = readJsonBatchCall(typeof target === 'string' ? target : undefined, body);
    // A destination's own calls only: the dispatcher's retries and dead letters are SQS batches too.
    if (batchCall && this.options.destinationIds?.has(batchCall.arn)) {
      return this.jsonBatchCall(batchCall, request, body, response);
    }
    if (form?.get('Action') === 'PublishBatch') {
      const handled = await this.windowFault(form.get('TopicArn') ?? '', 'sns', request, response);
      if (handled) return;
    }
    if (form?.get('Action') === 'PublishBatch' && this.options.faults) {
      return this.publishBatchWithFaults(this.options.faults, form, request, body, response);
    }
    if (form?.get('Action') === 'PublishBatch') {
      const reply = await this.send(request, body);
      const successful = /<Successful>([\s\S]*?)<\/Successful>/.exec(reply.body.toString('utf8'))?.[1] ?? '';
      this.countDelivered(form.get('TopicArn') ?? '', successful.split('<Id>').length - 1);
      response.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
      return void response.end(reply.body);
    }
    // Only S3 is called with PUT here: the dispatcher offloading an oversize payload.
    const fault = request.method === 'PUT' ? this.options.faults?.decide() : undefined;
    if (fault) {
      this.counts.payloadUploadFaults += 1;
      return this.options.faults?.respond(fault, 's3', request, response);
    }
    return this.forward(request, body, response);
  }

  private async publishBatchWithFaults(
    faults: FaultInjector,
    form: URLSearchParams,
    request: http.IncomingMessage,
    body: Buffer,
    response: http.ServerResponse,
  ): Promise<void> {
    const ids = [...publishBatchEntries(form).values()].map((fields) => fields.get('Id') ?? '');
    const fault = faults.decide(ids);
    if (!fault) return this.forward(request, body, response);
    if (fault.kind !== 'partial-batch') return faults.respond(fault, 'sns', request, response);
    // Publish only the entries that "succeed", and report the others as failed.
    let xml: string;
    let status = 200;
    if (fault.failed.size === ids.length) {
      xml = `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful/><Failed/></PublishBatchResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishBatchResponse>`;
    } else {
      const reply = await this.send(
        request,
        Buffer.from(withoutEntries(form, fault.failed).toString(), 'utf8'),
      );
      status = reply.status;
      xml = reply.body.toString('utf8');
    }
    const rewritten = Buffer.from(status === 200 ? addFailedEntries(xml, fault.failed) : xml, 'utf8');
    response.writeHead(status, { 'content-type': 'text/xml', 'content-length': String(rewritten.length) });
    response.end(rewritten);
  }

  /**
   * A stream's, bus's or queue's batch call: its window fault, or a random fault (the whole call,
   * or some entries reported failed while the others go through), else forwarded as it is.
   */
  private async jsonBatchCall(
    call: JsonBatchCall,
    request: http.IncomingMessage,
    body: Buffer,
    response: http.ServerResponse,
  ): Promise<void> {
    if (await this.windowFault(call.arn, call.service, request, response)) return;
    const fault = this.options.faults?.decide(call.entryIds);
    if (fault && fault.kind !== 'partial-batch')
      return this.options.faults?.respond(fault, call.service, request, response);
    const failed = fault?.kind === 'partial-batch' ? fault.failed : new Set<string>();
    const reply =
      failed.size === 0
        ? await this.send(request, body)
        : failed.size === call.entryIds.length
          ? {
              status: 200,
              headers: { 'content-type': 'application/x-amz-json-1.1' },
              body: Buffer.from('{}'),
            }
          : await this.send(request, Buffer.from(JSON.stringify(call.without(failed)), 'utf8'));
    let answer = reply.body;
    if (reply.status === 200) {
      const merged = call.withFailures(JSON.parse(reply.body.toString('utf8') || '{}'), failed);
      this.countDelivered(call.arn, call.delivered(merged));
      answer = Buffer.from(JSON.stringify(merged), 'utf8');
    }
    response.writeHead(reply.status, { ...reply.headers, 'content-length': String(answer.length) });
    response.end(answer);
  }

  private async invoke(
    name: string,
    request: http.IncomingMessage,
    body: Buffer,
    response: http.ServerResponse,
  ): Promise<void> {
    const arn = [...this.options.functions.keys()].find((a) => a === name || a.endsWith(`:function:${name}`));
    const fn = arn ? this.options.functions.get(arn) : undefined;
    if (!arn || !fn) {
      return send(
        response,
        404,
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
        {
          Type: 'User',
          message: `Function not found: ${name}`,
        },
      );
    }
    // DryRun checks the caller may invoke, and runs nothing: Lambda answers 204.
    if (request.headers['x-amz-invocation-type'] === 'DryRun') {
      response.writeHead(204, { 'x-amzn-requestid': randomUUID() });
      return void response.end();
    }
    if (await this.windowFault(arn, 'lambda', request, response)) return;
    const fault = this.options.faults?.decide();
    if (fault) return this.options.faults?.respond(fault, 'lambda', request, response);
    this.counts.invocations += 1;
    this.countDelivered(arn, 1);
    const payload: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';

    if (invocationType === 'Event') {
      const run = this.runAsync(arn, fn, payload).finally(() => this.pending.delete(run));
      this.pending.add(run);
      response.writeHead(202, { 'x-amzn-requestid': randomUUID() });
      return void response.end();
    }
    try {
      const result = await fn(payload);
      return send(response, 200, {}, result ?? null);
    } catch (error) {
      const e = error as Error;
      return send(
        response,
        200,
        { 'x-amz-function-error': 'Unhandled' },
        { errorType: e.name, errorMessage: e.message },
      );
    }
  }

  /** Events each destination (`workspace/destination`) accepted: invocations, published entries. */
  readonly delivered = new Map<string, number>();

  private countDelivered(arn: string, events: number): void {
    const key = this.options.destinationIds?.get(arn) ?? arn;
    this.delivered.set(key, (this.delivered.get(key) ?? 0) + events);
  }

  /**
   * Applies the destination's window fault to a call, if one is in force: a slow call answers
   * late (and not at all if the caller gave up meanwhile); a failing one is answered with its
   * fault. Returns whether the call was answered here.
   */
  private async windowFault(
    arn: string,
    service: FaultedService,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<boolean> {
    const fault = this.options.destinationFaults?.current(this.options.destinationIds?.get(arn));
    if (!fault) return false;
    if (fault.kind !== 'slow') {
      await answerWithFault(fault.kind, service, request, response);
      return true;
    }
    // Unref'd: a slow call still pending must not keep a stopped runtime alive.
    await new Promise((resolve) => setTimeout(resolve, fault.delayMs).unref());
    if (!request.socket.destroyed) return false;
    response.destroy();
    return true;
  }

  /** Lambda's asynchronous invocation: two retries, then the function's dead-letter queue. */
  private async runAsync(arn: string, fn: LocalFunction, payload: unknown): Promise<void> {
    const delays = this.options.asyncRetryDelaysMs ?? [1000, 2000];
    for (let attempt = 0; ; attempt++) {
      try {
        await fn(payload);
        return;
      } catch (error) {
        if (attempt >= delays.length) {
          await this.options.onAsyncFailure?.(arn, payload, error as Error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
      }
    }
  }

  private async assumeRole(
    form: URLSearchParams,
    request: http.IncomingMessage,
    body: Buffer,
    response: http.ServerResponse,
  ): Promise<void> {
    const roleArn = form.get('RoleArn') ?? '';
    const caller = await this.callerIdentity(request);
    const roleAccount = roleArn.split(':')[4] ?? '';
    let policy: PolicyDocument | undefined;
    try {
      const role = await this.iamClient(roleAccount).send(
        new GetRoleCommand({ RoleName: roleArn.split('/').pop() }),
      );
      policy = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')) as PolicyDocument;
    } catch {
      policy = undefined;
    }
    const allowed =
      policy !== undefined &&
      trustPolicyAllows(policy, {
        callerArn: caller.arn,
        callerAccount: caller.account,
        externalId: form.get('ExternalId') ?? undefined,
      });
    if (!allowed) {
      this.counts.assumeRoleDenied += 1;
      const message = `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
      response.writeHead(403, { 'content-type': 'text/xml' });
      return void response.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
    this.counts.assumeRoleAllowed += 1;
    return this.forward(request, body, response);
  }

  private iamClient(account: string): IAMClient {
    let client = this.iamClients.get(account);
    if (!client) {
      client = emulatorClient(IAMClient, this.options.emulatorEndpoint, account);
      this.iamClients.set(account, client);
    }
    return client;
  }

  /** Who signed the request, as moto knows it: an assumed-role session maps to its role. */
  private async callerIdentity(request: http.IncomingMessage): Promise<{ arn: string; account: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const name of ['authorization', 'x-amz-security-token', 'x-amz-date']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const reply = await fetch(this.options.emulatorEndpoint, {
      method: 'POST',
      headers,
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const xml = await reply.text();
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1] ?? 'unknown';
    const account = /<Account>([^<]+)<\/Account>/.exec(xml)?.[1] ?? 'unknown';
    const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
    return { arn: session ? `arn:aws:iam::${session[1]}:role/${session[2]}` : arn, account };
  }

  private async forward(
    request: http.IncomingMessage,
    body: Buffer,
    response: http.ServerResponse,
  ): Promise<void> {
    const reply = await this.send(request, body);
    response.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
    response.end(reply.body);
  }

  /** Sends the request on to moto unchanged but for its body. */
  private async send(
    request: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    this.counts.forwarded += 1;
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length', 'expect'].includes(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const reply = await fetch(`${this.options.emulatorEndpoint}${request.url ?? '/'}`, {
      method: request.method,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
    });
    const replyHeaders: Record<string, string> = {};
    reply.headers.forEach((value, name) => {
      if (!['content-length', 'transfer-encoding', 'content-encoding', 'connection'].includes(name)) {
        replyHeaders[name] = value;
      }
    });
    return { status: reply.status, headers: replyHeaders, body: Buffer.from(await reply.arrayBuffer()) };
  }
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(
  response: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(text);
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
