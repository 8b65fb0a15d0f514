import type * as http from 'node:http';
import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  GetPolicyCommand as GetManagedPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { GetFunctionCommand, GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { emulatorClient } from '../accounts';
import type { CustomerKey, KeyGrant } from './key-use';
import type { PolicyDocument } from './policy-evaluation';

/** Who signed a request, as moto knows it; `arn` is an assumed role's full ARN, path included. */
export interface RequestCaller {
  readonly arn: string;
  readonly account: string;
  /** The role session, for an assumed role: only those are held to policies locally. */
  readonly sessionArn?: string;
}

/** A delivery call's destination resource, whose KMS key the service uses for the caller. */
export interface KeyedResource {
  readonly service: 'sns' | 'sqs' | 'kinesis' | 'events';
  readonly arn: string;
}

export type ResolvedKey =
  | { readonly kind: 'customer'; readonly key: CustomerKey }
  | { readonly kind: 'aws-managed' }
  | { readonly kind: 'not-found'; readonly id: string }
  | { readonly kind: 'disabled'; readonly arn: string };

/**
 * What the local gateway's decisions read from moto (callers, resources' keys, key policies and
 * grants, IAM policies, function policies), each kept for `ttlMs`: the demo makes thousands of
 * delivery calls to the same few resources. `clear()` forgets everything after a change.
 */
export class PolicyReader {
  private readonly callers = new Map<string, Promise<RequestCaller>>();
  private readonly cached = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly sns = this.perAccount((account) => emulatorClient(SNSClient, this.endpoint, account));
  private readonly sqs = this.perAccount((account) => emulatorClient(SQSClient, this.endpoint, account));
  private readonly kinesis = this.perAccount((account) =>
    // HTTP/1.1: Kinesis's client would speak HTTP/2, which the emulator does not.
    emulatorClient(KinesisClient, this.endpoint, account, { requestHandler: new NodeHttpHandler() }),
  );
  private readonly events = this.perAccount((account) =>
    emulatorClient(EventBridgeClient, this.endpoint, account),
  );
  private readonly kms = this.perAccount((account) => emulatorClient(KMSClient, this.endpoint, account));
  private readonly iam = this.perAccount((account) => emulatorClient(IAMClient, this.endpoint, account));
  private readonly lambda = this.perAccount((account) =>
    emulatorClient(LambdaClient, this.endpoint, account),
  );

  constructor(
    private readonly endpoint: string,
    private readonly ttlMs: number,
  ) {}

  clear(): void {
    this.cached.clear();
  }

  /** The caller of a signed request, by its access key (an assumed role's session keys name the session). */
  caller(request: http.IncomingMessage): Promise<RequestCaller> {
    const accessKey = /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1] ?? '';
    const key = `${accessKey} ${request.headers['x-moto-account-id'] ?? ''}`;
    let caller = this.callers.get(key);
    if (!caller) {
      caller = this.lookUpCaller(request);
      caller.catch(() => this.callers.delete(key));
      this.callers.set(key, caller);
    }
    return caller;
  }

  /** The KMS key id (as set: ARN, id or alias) a resource is encrypted with, if any. */
  resourceKey(resource: KeyedResource): Promise<string | undefined> {
    return this.remember(`key-of ${resource.arn}`, async () => {
      const [, , , , account, name] = resource.arn.split(':');
      try {
        switch (resource.service) {
          case 'sns': {
            const { Attributes } = await this.sns(account).send(
              new GetTopicAttributesCommand({ TopicArn: resource.arn }),
            );
            return Attributes?.KmsMasterKeyId || undefined;
          }
          case 'sqs': {
            const { Attributes } = await this.sqs(account).send(
              new GetQueueAttributesCommand({
                QueueUrl: `${this.endpoint}/${account}/${name}`,
                AttributeNames: ['KmsMasterKeyId'],
              }),
            );
            return Attributes?.KmsMasterKeyId || undefined;
          }
          case 'kinesis': {
            const { StreamDescriptionSummary: summary } = await this.kinesis(account).send(
              new DescribeStreamSummaryCommand({ StreamARN: resource.arn }),
            );
            return summary?.EncryptionType === 'KMS' ? summary.KeyId : undefined;
          }
          case 'events': {
            const bus = await this.events(account).send(new DescribeEventBusCommand({ Name: resource.arn }));
            return bus.KmsKeyIdentifier || undefined;
          }
        }
      } catch {
        // No such resource: the call goes on to moto, which answers as the service would.
        return undefined;
      }
    });
  }

  /** A key by any of its names, in `account` unless the name is an ARN: its policy and grants if customer managed. */
  key(id: string, account: string): Promise<ResolvedKey> {
    const owner = id.startsWith('arn:') ? id.split(':')[4] : account;
    return this.remember(`key ${owner} ${id}`, async (): Promise<ResolvedKey> => {
      if (/^(arn:[^:]+:kms:[^:]*:\d*:)?alias\/aws\//.test(id)) return { kind: 'aws-managed' };
      const kms = this.kms(owner);
      const metadata = await kms.send(new DescribeKeyCommand({ KeyId: id })).then(
        (described) => described.KeyMetadata,
        () => undefined,
      );
      if (!metadata) return { kind: 'not-found', id };
      const arn = metadata.Arn ?? id;
      if (metadata.KeyManager === 'AWS') return { kind: 'aws-managed' };
      if (metadata.KeyState !== 'Enabled') return { kind: 'disabled', arn };
      const [{ Policy }, { Grants }] = await Promise.all([
        kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' })),
        kms.send(new ListGrantsCommand({ KeyId: arn })),
      ]);
      const policy = JSON.parse(Policy ?? '{"Statement":[]}') as PolicyDocument;
      return { kind: 'customer', key: { arn, policy, grants: (Grants ?? []) as KeyGrant[] } };
    });
  }

  /** A role's inline and attached policies. */
  identityPolicies(roleArn: string): Promise<PolicyDocument[]> {
    return this.remember(`iam ${roleArn}`, async () => {
      const account = roleArn.split(':')[4];
      const RoleName = roleArn.split('/').pop();
      const iam = this.iam(account);
      try {
        const [{ PolicyNames = [] }, { AttachedPolicies = [] }] = await Promise.all([
          iam.send(new ListRolePoliciesCommand({ RoleName })),
          iam.send(new ListAttachedRolePoliciesCommand({ RoleName })),
        ]);
        const inline = PolicyNames.map(async (PolicyName) => {
          const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
          return PolicyDocument;
        });
        const attached = AttachedPolicies.map(async ({ PolicyArn }) => {
          const { Policy } = await iam.send(new GetManagedPolicyCommand({ PolicyArn }));
          const { PolicyVersion } = await iam.send(
            new GetPolicyVersionCommand({ PolicyArn, VersionId: Policy?.DefaultVersionId }),
          );
          return PolicyVersion?.Document;
        });
        return (await Promise.all([...inline, ...attached])).map(parsePolicy);
      } catch {
        return [];
      }
    });
  }

  /** A function's resource policy; undefined when it has none (or does not exist). */
  functionPolicy(functionArn: string): Promise<PolicyDocument | undefined> {
    return this.remember(`function-policy ${functionArn}`, async () => {
      try {
        const { Policy } = await this.lambda(functionArn.split(':')[4]).send(
          new GetPolicyCommand({ FunctionName: functionArn }),
        );
        return Policy ? parsePolicy(Policy) : undefined;
      } catch {
        return undefined;
      }
    });
  }

  functionExists(functionArn: string): Promise<boolean> {
    return this.remember(`function ${functionArn}`, () =>
      this.lambda(functionArn.split(':')[4])
        .send(new GetFunctionCommand({ FunctionName: functionArn }))
        .then(
          () => true,
          () => false,
        ),
    );
  }

  private async lookUpCaller(request: http.IncomingMessage): Promise<RequestCaller> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const name of ['authorization', 'x-amz-security-token', 'x-amz-date']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    // moto routes a request by the service its signature is scoped to, and checks no signature.
    if (headers.authorization)
      headers.authorization = headers.authorization.replace(
        /(Credential=[^/]+\/\d{8}\/[^/]+\/)[^/]+\//,
        '$1sts/',
      );
    const reply = await fetch(this.endpoint, {
      method: 'POST',
      headers,
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const xml = await reply.text();
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1] ?? 'unknown';
    const account = /<Account>([^<]+)<\/Account>/.exec(xml)?.[1] ?? 'unknown';
    const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
    // Plain emulator credentials act in the account their request names.
    if (!session) return { arn, account: String(request.headers['x-moto-account-id'] ?? account) };
    // Policies name a role by its full ARN, path included, which the session ARN leaves out.
    const { Role } = await this.iam(account).send(new GetRoleCommand({ RoleName: session[2] }));
    return { arn: Role?.Arn ?? `arn:aws:iam::${account}:role/${session[2]}`, account, sessionArn: arn };
  }

  private remember<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cached.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.cached.set(key, { at: Date.now(), value });
    value.catch(() => this.cached.delete(key));
    return value;
  }

  /** One client per account, made on first use. */
  private perAccount<C>(make: (account: string) => C): (account: string) => C {
    const clients = new Map<string, C>();
    return (account) => {
      let client = clients.get(account);
      if (!client) {
        client = make(account);
        clients.set(account, client);
      }
      return client;
    };
  }
}

/** IAM returns policy documents URL-encoded; Lambda and KMS as plain JSON. */
function parsePolicy(document: string | undefined): PolicyDocument {
  if (!document) return { Statement: [] };
  return JSON.parse(document.startsWith('%') ? decodeURIComponent(document) : document) as PolicyDocument;
}
