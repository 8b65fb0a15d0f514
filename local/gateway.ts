import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { emulatorClient } from './accounts';
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
import { decideInvoke } from './policies/function-invoke';
import { decideKeyUse } from './policies/key-use';
import {
  answerKeyFailure,
  escapeXml,
  isKeyedAction,
  KEY_USE,
  type KeyFailure,
  keyedResource,
  signedRegion,
} from './policies/keyed-calls';
import type { PolicyDocument } from './policies/policy-evaluation';
import {
  type KeyedResource,
  PolicyReader,
  type RequestCaller,
  type ResolvedKey,
} from './policies/policy-reader';
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
  /**
   * How long what decides access (resources' keys, key policies and grants, IAM and function
   * policies) is kept once read from moto; a change made through the gateway is seen at once.
   * @default 5 s
   */
  readonly policyCacheTtlMs?: number;
  /**
   * Hold event buses to their key policies too: EventBridge uses a bus's key itself, so the key
   * policy must let `events.amazonaws.com` use it for that bus (as the customer stack's does).
   * @default false: bus keys made with moto's default key policy, which names only the account, would refuse it
   */
  readonly eventBridgeKeyPolicies?: boolean;
}

/** A function a caller gives the gateway to run: a customer's own, say, to deliver to. */
export interface LocalFunctionRegistration {
  /** Its ARN; `Invoke` reaches it by ARN or name. */
  readonly arn: string;
  /** What runs for each invocation. */
  readonly handler: LocalFunction;
  /** Its execution role, a role of the function's account. @default a stand-in role the gateway creates */
  readonly role?: string;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Lambda's control plane: GetFunction, GetPolicy, AddPermission, … */
const FUNCTIONS_PATH = /^\/20\d\d-\d\d-\d\d\/functions(\/|$)/;
/** Calls that change what the gateway's decisions read: cached policies are dropped after them. */
const POLICY_CHANGES = new Set([
  'PutKeyPolicy',
  'CreateGrant',
  'RevokeGrant',
  'RetireGrant',
  'EnableKey',
  'DisableKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'PutRolePolicy',
  'DeleteRolePolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'CreateTopic',
  'SetTopicAttributes',
  'CreateQueue',
  'SetQueueAttributes',
  'StartStreamEncryption',
  'StopStreamEncryption',
  'CreateEventBus',
  'UpdateEventBus',
]);
/** An empty zip archive: what moto stores as the code of a function the gateway runs itself. */
const EMPTY_ZIP = Buffer.from('UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', 'base64');

/**
 * The endpoint the local dispatcher talks to, standing in for AWS where moto does not: it runs
 * `lambda:Invoke` with local handlers (moto runs no code without Docker), each function also
 * created in moto so Lambda's control plane (GetFunction, AddPermission, …) knows it; it decides
 * `sts:AssumeRole` against the role's trust policy, `lambda:InvokeFunction` against the function's
 * resource policy and the caller's IAM policies, and an assumed role's delivery calls to
 * KMS-encrypted topics, queues and streams (and its direct KMS calls) against the key's policy,
 * grants and the role's IAM policies, none of which moto enforces. Everything else goes to moto
 * unchanged.
 */
export class LocalGateway {
  private server?: http.Server;
  private pending = new Set<Promise<void>>();
  private readonly iamClients = new Map<string, IAMClient>();
  private readonly policies: PolicyReader;
  private readonly registered = new Map<string, LocalFunctionRegistration>();
  /** Functions created in moto, by ARN. */
  private readonly inEmulator = new Map<string, Promise<void>>();
  readonly counts = {
    invocations: 0,
    assumeRoleAllowed: 0,
    assumeRoleDenied: 0,
    invokeDenied: 0,
    keyUseDenied: 0,
    forwarded: 0,
    payloadUploadFaults: 0,
  };

  constructor(private readonly options: GatewayOptions) {
    this.policies = new PolicyReader(options.emulatorEndpoint, options.policyCacheTtlMs ?? 5_000);
  }

  /**
   * Runs `handler` for invocations of `arn` from now on, and creates the function in moto (with
   * no code) so Lambda's control plane knows it: its configuration, its resource policy
   * (`AddPermission`). Resolves once it exists there.
   */
  async registerFunction(registration: LocalFunctionRegistration): Promise<void> {
    this.registered.set(registration.arn, registration);
    await this.createInEmulator(registration.arn);
  }

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
    const path = request.url?.split('?')[0] ?? '';
    const invoke = INVOKE_PATH.exec(path);
    if (invoke && request.method === 'POST')
      return this.invoke(decodeURIComponent(invoke[1]), request, body, response);
    if (FUNCTIONS_PATH.test(path)) return this.functionControlPlane(request, body, response);
    const form = request.headers['content-type']?.includes('x-www-form-urlencoded')
      ? new URLSearchParams(body.toString('utf8'))
      : undefined;
    const target = String(request.headers['x-amz-target'] ?? '');
    const action = form?.get('Action') ?? (target.split('.').pop() || undefined);
    if (form && action === 'AssumeRole') return this.assumeRole(form, request, body, response);
    if (action && (await this.refusedKeyUse(action, target, form, body, request, response))) return;
    if (action && POLICY_CHANGES.has(action)) {
      const reply = await this.send(request, body);
      // Before answering: the caller's next request may depend on the change.
      this.policies.clear();
      return relay(response, reply);
    }
    const batchCall = readJsonBatchCall(target || undefined, body);
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
    const caller = await this.policies.caller(request);
    const arn = this.functionArn(name, caller, signedRegion(request) ?? 'us-east-1');
    const fn = this.localFunction(arn);
    if (fn) await this.createInEmulator(arn);
    if (!fn && !(await this.policies.functionExists(arn))) {
      return send(
        response,
        404,
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
        { Type: 'User', message: `Function not found: ${arn}` },
      );
    }
    const refusal = await this.refusedInvoke(arn, caller);
    if (refusal) {
      this.counts.invokeDenied += 1;
      return send(
        response,
        403,
        { 'x-amzn-errortype': 'AccessDeniedException' },
        { Type: 'User', message: refusal },
      );
    }
    // DryRun checks the caller may invoke, and runs nothing: Lambda answers 204.
    if (request.headers['x-amz-invocation-type'] === 'DryRun') {
      response.writeHead(204, { 'x-amzn-requestid': randomUUID() });
      return void response.end();
    }
    if (!fn) {
      return send(
        response,
        502,
        { 'x-amzn-errortype': 'ServiceException' },
        { message: `local gateway: no handler runs ${arn}; register one with LocalGateway.registerFunction` },
      );
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

  /**
   * Why an assumed role may not invoke the function, if it may not; plain emulator credentials
   * stand for the account itself and are not held to policies.
   */
  private async refusedInvoke(functionArn: string, caller: RequestCaller): Promise<string | undefined> {
    if (!caller.sessionArn) return undefined;
    const sameAccount = functionArn.split(':')[4] === caller.account;
    const [resourcePolicy, identityPolicies] = await Promise.all([
      this.policies.functionPolicy(functionArn),
      sameAccount ? this.policies.identityPolicies(caller.arn) : [],
    ]);
    const decision = decideInvoke({ functionArn, resourcePolicy, caller, identityPolicies });
    return decision.allowed ? undefined : decision.reason;
  }

  /** A function's unqualified ARN, from the name, partial or full ARN (any of them qualified) an `Invoke` gives. */
  private functionArn(name: string, caller: RequestCaller, region: string): string {
    const parts = name.split(':');
    if (parts[0] === 'arn') return parts.slice(0, 7).join(':');
    const [account, functionName] = /^\d{12}$/.test(parts[0]) ? [parts[0], parts[2]] : [undefined, parts[0]];
    const known = [...this.options.functions.keys(), ...this.registered.keys()].filter(
      (arn) => arn.endsWith(`:function:${functionName}`) && arn.split(':')[4] === (account ?? caller.account),
    );
    return known[0] ?? `arn:aws:lambda:${region}:${account ?? caller.account}:function:${functionName}`;
  }

  private localFunction(arn: string): LocalFunction | undefined {
    return this.registered.get(arn)?.handler ?? this.options.functions.get(arn);
  }

  /**
   * Lambda's control plane, for the functions the gateway runs too: each is created in moto
   * first. A change (AddPermission, RemovePermission, …) drops the cached function policies.
   */
  private async functionControlPlane(
    request: http.IncomingMessage,
    body: Buffer,
    response: http.ServerResponse,
  ): Promise<void> {
    const known = [...this.options.functions.keys(), ...this.registered.keys()];
    await Promise.all(known.map((arn) => this.createInEmulator(arn)));
    const reply = await this.send(request, body);
    if (request.method !== 'GET') this.policies.clear();
    return relay(response, reply);
  }

  /**
   * Creates a function the gateway runs in moto, once, with no code: moto keeps its
   * configuration and resource policy, and the gateway keeps running it.
   */
  private createInEmulator(arn: string): Promise<void> {
    let created = this.inEmulator.get(arn);
    if (!created) {
      created = this.createFunction(arn);
      created.catch(() => this.inEmulator.delete(arn));
      this.inEmulator.set(arn, created);
    }
    return created;
  }

  private async createFunction(arn: string): Promise<void> {
    const [, , , , account, , name] = arn.split(':');
    const role = this.registered.get(arn)?.role ?? (await this.standInRole(account));
    try {
      await emulatorClient(LambdaClient, this.options.emulatorEndpoint, account).send(
        new CreateFunctionCommand({
          FunctionName: name,
          Role: role,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: EMPTY_ZIP },
          Description: 'run by the local gateway',
        }),
      );
    } catch (error) {
      // Already there: a customer created it, or a previous run of this gateway did.
      if ((error as Error).name !== 'ResourceConflictException') throw error;
    }
    this.policies.clear();
  }

  /** The execution role moto requires of a function, when its registration names none. */
  private async standInRole(account: string): Promise<string | undefined> {
    const iam = this.iamClient(account);
    const RoleName = 'LocalGatewayFunction';
    try {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          }),
        }),
      );
      return Role?.Arn;
    } catch (error) {
      if ((error as Error).name !== 'EntityAlreadyExistsException') throw error;
      return (await iam.send(new GetRoleCommand({ RoleName }))).Role?.Arn;
    }
  }

  /**
   * Refuses an assumed role's call when the service could not use the resource's KMS key for
   * it: a delivery call to an encrypted topic, queue, stream (or, with `eventBridgeKeyPolicies`,
   * bus), or a direct KMS call. Answers as the service does and returns true; false otherwise.
   */
  private async refusedKeyUse(
    action: string,
    target: string,
    form: URLSearchParams | undefined,
    body: Buffer,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<boolean> {
    const direct = target.startsWith('TrentService.');
    if (!direct && !isKeyedAction(action)) return false;
    const caller = await this.policies.caller(request);
    // Plain emulator credentials stand for the account itself: not held to policies.
    if (!caller.sessionArn) return false;
    const params = form ?? jsonParams(body);
    const region = signedRegion(request) ?? 'us-east-1';
    if (direct) {
      const keyId = params.get('KeyId');
      if (typeof keyId !== 'string') return false;
      const key = await this.policies.key(keyId, caller.account);
      // Unknown or disabled keys: moto answers those itself.
      if (key.kind !== 'customer') return false;
      const encryptionContext = params.get('EncryptionContext') as Record<string, string> | undefined;
      const decision = decideKeyUse({
        key: key.key,
        caller,
        identityPolicies: await this.policies.identityPolicies(caller.arn),
        operation: action,
        encryptionContext,
      });
      if (decision.allowed) return false;
      this.counts.keyUseDenied += 1;
      answerKeyFailure('kms', 'denied', decision.reason, response);
      return true;
    }
    const resource = keyedResource(action, params, caller, region);
    if (!resource || (resource.service === 'events' && !this.options.eventBridgeKeyPolicies)) return false;
    const keyId = await this.policies.resourceKey(resource);
    if (!keyId) return false;
    const failure = await this.keyFailure(
      await this.policies.key(keyId, resource.arn.split(':')[4]),
      resource,
      caller,
      region,
    );
    if (!failure) return false;
    this.counts.keyUseDenied += 1;
    answerKeyFailure(resource.service, failure.kind, failure.message, response);
    return true;
  }

  /** Why the service cannot use the resource's key for the caller, if it cannot. */
  private async keyFailure(
    key: ResolvedKey,
    resource: KeyedResource,
    caller: RequestCaller,
    region: string,
  ): Promise<{ kind: KeyFailure; message: string } | undefined> {
    const kms = (code: string) => ` (Service: AWSKMS; Status Code: 400; Error Code: ${code})`;
    const resourceAccount = resource.arn.split(':')[4];
    switch (key.kind) {
      case 'not-found':
        return { kind: 'not-found', message: `Invalid keyId ${key.id}${kms('NotFoundException')}` };
      case 'disabled':
        return { kind: 'disabled', message: `${key.arn} is disabled.${kms('DisabledException')}` };
      case 'aws-managed':
        // An AWS managed key's policy admits its own account's principals, through the service only.
        return caller.account === resourceAccount || KEY_USE[resource.service].usedBy === 'service'
          ? undefined
          : {
              kind: 'denied',
              message: `User: ${caller.sessionArn} is not authorized to use the AWS managed key of ${resource.arn}: it admits its own account only${kms('AccessDeniedException')}`,
            };
    }
    const use = KEY_USE[resource.service];
    const byService = use.usedBy === 'service';
    const identityPolicies = byService ? [] : await this.policies.identityPolicies(caller.arn);
    for (const operation of use.operations) {
      const decision = decideKeyUse({
        key: key.key,
        caller: byService ? { service: `${resource.service}.amazonaws.com` } : caller,
        identityPolicies,
        operation,
        encryptionContext: { [use.contextKey]: resource.arn },
        // A service using a key as itself acts for a resource; for a caller, it is the caller's way in.
        ...(byService
          ? { sourceArn: resource.arn }
          : { viaService: `${resource.service}.${region}.amazonaws.com` }),
      });
      if (!decision.allowed)
        return { kind: 'denied', message: `${decision.reason}${kms('AccessDeniedException')}` };
    }
    return undefined;
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
    const caller = await this.policies.caller(request);
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
        sessionArn: caller.sessionArn,
        externalId: form.get('ExternalId') ?? undefined,
      });
    if (!allowed) {
      this.counts.assumeRoleDenied += 1;
      const message = `User: ${caller.sessionArn ?? caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
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

  private async forward(
    request: http.IncomingMessage,
    body: Buffer,
    response: http.ServerResponse,
  ): Promise<void> {
    relay(response, await this.send(request, body));
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

/** Passes moto's reply on. */
function relay(
  response: http.ServerResponse,
  reply: { status: number; headers: Record<string, string>; body: Buffer },
): void {
  response.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
  response.end(reply.body);
}

/** A JSON-protocol request's top-level fields. */
function jsonParams(body: Buffer): { get(name: string): unknown } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    return { get: (name) => parsed[name] };
  } catch {
    return { get: () => undefined };
  }
}
