import { REGION } from '../accounts';
import { emulatorClients, type Service } from './clients';
import {
  type AppliedResource,
  json,
  type LocalEventSourceMapping,
  type LocalFunction,
  type Properties,
  type ResourceContext,
} from './handlers/handler';
import { HANDLERS, NOT_EMULATED } from './handlers/index';
import { evaluateCondition, resolve, type Scope } from './intrinsics';
import { constructPath, dependencyWaves, type Template } from './template';

/** A resource of the template as the local engine sees it, for the overrides to pick by. */
export interface ResourceDescriptor {
  readonly logicalId: string;
  readonly type: string;
  /** Its construct path (`EventDeliveryPlatform/Ingest/Queue/Resource`), when the template records it. */
  readonly path?: string;
}

/**
 * Where the local platform deliberately differs from the template, in one place the caller
 * writes down: nothing else changes a synthesized value.
 */
export interface LocalOverrides {
  /** Property values that replace the template's (resolved) ones, for the resources that differ. */
  readonly properties?: (
    resource: ResourceDescriptor,
    /** The template's values, resolved. */
    resolved: Properties,
  ) => Record<string, unknown> | undefined;
  /** Environment variables of a Lambda function that differ locally (added or replaced). */
  readonly environment?: (fn: ResourceDescriptor) => Record<string, string> | undefined;
  /** The emulator to create a DynamoDB table on, when not the DynamoDB endpoint (tables spread over several). */
  readonly tableEndpoint?: (table: ResourceDescriptor & { readonly tableName: string }) => string | undefined;
}

export interface ApplyOptions {
  /** `AWS::StackName`, and the prefix of generated names. */
  readonly stackName: string;
  readonly account: string;
  /** @default REGION */
  readonly region?: string;
  /** The emulator for every service `endpoints` does not name. */
  readonly endpoint: string;
  /**
   * Emulators per service. moto checks a function's role in its own IAM, and fans SNS out to its
   * own SQS: Lambda must share IAM's emulator, SNS SQS's.
   */
  readonly endpoints?: Partial<Record<Service, string>>;
  /** Values of the template's parameters; otherwise their defaults. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly overrides?: LocalOverrides;
}

export interface StackResource extends ResourceDescriptor {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The emulator holding it; none when it is not emulated. */
  readonly endpoint?: string;
  readonly emulated: boolean;
  /** Properties the local overrides replaced. */
  readonly overriddenProperties: readonly string[];
}

export interface LocalMapping extends LocalEventSourceMapping {
  /** The function of this template it feeds, when found by name or ARN. */
  readonly functionLogicalId?: string;
  /** The queue or stream of this template it reads, when found by ARN. */
  readonly eventSourceLogicalId?: string;
}

export interface AppliedStack {
  readonly resources: ReadonlyMap<string, StackResource>;
  readonly outputs: Readonly<Record<string, string>>;
  /** To run locally: the emulator holds them but cannot invoke them. */
  readonly functions: readonly LocalFunction[];
  /** For the local pollers: the emulator holds none. */
  readonly eventSourceMappings: readonly LocalMapping[];
  readonly notEmulated: readonly (ResourceDescriptor & { readonly reason: string })[];
  /** Settings of the template the emulator could not hold. */
  readonly limitations: readonly (ResourceDescriptor & {
    readonly property: string;
    readonly reason: string;
  })[];
  /** The resource of a construct, by its path in the stack (`Ingest/Queue`); throws when there is none. */
  at(path: string): StackResource;
  /** Resolves intrinsic functions in any part of the template, against what was created. */
  resolve(value: unknown): unknown;
}

/** Whether the local engine can take a resource type: created, or deliberately not emulated (why). */
export function coverage(type: string): { handled: true } | { handled: false; reason: string } | undefined {
  if (type in HANDLERS) return { handled: true };
  if (type in NOT_EMULATED) return { handled: false, reason: NOT_EMULATED[type].reason };
  return undefined;
}

/**
 * Creates a synthesized template's resources in the emulator, in dependency order (each wave at
 * once), resolving intrinsic functions from what was created. A resource type nothing handles,
 * or a property its handler does not apply, fails before anything is created.
 */
export async function applyTemplate(template: Template, options: ApplyOptions): Promise<AppliedStack> {
  const problems = coverageProblems(template);
  if (problems.length > 0) throw new Error(`template cannot be applied locally:\n  ${problems.join('\n  ')}`);
  const region = options.region ?? REGION;
  const endpointOf = (service: Service) => options.endpoints?.[service] ?? options.endpoint;
  const clients = emulatorClients(options.account, region, endpointOf);
  const resources = new Map<string, StackResource>();
  const scope = stackScope(template, options, region, resources);
  const functions: LocalFunction[] = [];
  const mappings: LocalEventSourceMapping[] = [];
  const notEmulated: AppliedStack['notEmulated'][number][] = [];
  const limitations: AppliedStack['limitations'][number][] = [];
  const laterSteps: (() => Promise<void>)[] = [];

  const applyOne = async (logicalId: string): Promise<void> => {
    const resource = template.Resources[logicalId];
    const descriptor = { logicalId, type: resource.Type, path: constructPath(resource) };
    if (resource.Condition !== undefined && !evaluateCondition(resource.Condition, scope)) return;
    const resolved = (resolve(resource.Properties ?? {}, scope) ?? {}) as Properties;
    const overriding = options.overrides?.properties?.(descriptor, resolved) ?? {};
    const properties = { ...resolved, ...overriding };
    const overriddenProperties = Object.keys(overriding).filter(
      (name) => json(resolved[name] ?? null) !== json(overriding[name] ?? null),
    );
    const naming = { stackName: options.stackName, logicalId, account: options.account, region };
    const skipped = NOT_EMULATED[resource.Type];
    if (skipped) {
      const { ref, attributes } = skipped.reference(properties, naming);
      resources.set(logicalId, { ...descriptor, ref, attributes, emulated: false, overriddenProperties });
      notEmulated.push({ ...descriptor, reason: skipped.reason });
      return;
    }
    const context: ResourceContext = {
      ...naming,
      clients,
      tableEndpoint: (tableName) =>
        options.overrides?.tableEndpoint?.({ ...descriptor, tableName }) ?? endpointOf('dynamodb'),
      environmentOverrides: options.overrides?.environment?.(descriptor) ?? {},
      later: (step) => laterSteps.push(step),
      limitation: (property, reason) => limitations.push({ ...descriptor, property, reason }),
    };
    let applied: AppliedResource;
    try {
      applied = await HANDLERS[resource.Type].create(properties, context);
    } catch (error) {
      throw new Error(`${resource.Type} ${logicalId}: ${(error as Error).message}`, { cause: error });
    }
    if (applied.function) functions.push({ ...applied.function, path: descriptor.path });
    if (applied.eventSourceMapping) mappings.push(applied.eventSourceMapping);
    resources.set(logicalId, {
      ...descriptor,
      ref: applied.ref,
      attributes: applied.attributes,
      endpoint: applied.endpoint ?? endpointOf(serviceOf(resource.Type)),
      emulated: true,
      overriddenProperties,
    });
  };

  try {
    for (const wave of dependencyWaves(template)) await Promise.all(wave.map(applyOne));
    for (const step of laterSteps) await step();
  } finally {
    clients.destroy();
  }
  return {
    resources,
    outputs: resolveOutputs(template, scope),
    functions,
    eventSourceMappings: mappings.map((mapping) => linkMapping(mapping, functions, resources)),
    notEmulated,
    limitations,
    at: (path) => {
      // Construct paths start with the CDK stack's id, which need not be the stack name given here.
      const inStack = (resource: StackResource) => resource.path?.split('/').slice(1).join('/');
      const found = [...resources.values()].find(
        (resource) => inStack(resource) === path || inStack(resource) === `${path}/Resource`,
      );
      if (!found) throw new Error(`no resource at ${path} in ${options.stackName}`);
      return found;
    },
    resolve: (value) => resolve(value, scope),
  };
}

/**
 * What keeps a template from being applied locally: resource types neither handled nor listed as
 * not emulated, and properties their handler does not apply. None, when it can be.
 */
export function coverageProblems(template: Template): string[] {
  const problems: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const covered = coverage(resource.Type);
    if (!covered) {
      problems.push(`${logicalId}: no local handler for resource type ${resource.Type}`);
    } else if (covered.handled) {
      const known = new Set(HANDLERS[resource.Type].properties);
      const unknown = Object.keys(resource.Properties ?? {}).filter((name) => !known.has(name));
      if (unknown.length > 0) {
        problems.push(
          `${logicalId} (${resource.Type}): properties not applied locally: ${unknown.join(', ')}`,
        );
      }
    }
  }
  return problems;
}

function stackScope(
  template: Template,
  options: ApplyOptions,
  region: string,
  resources: ReadonlyMap<string, StackResource>,
): Scope {
  const parameters: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    // An SSM parameter's default is the parameter's name, not its value: without a value, a Ref to it fails.
    const value =
      options.parameters?.[name] ?? (parameter.Type.startsWith('AWS::SSM::') ? undefined : parameter.Default);
    if (value !== undefined) parameters[name] = value;
  }
  const created = (logicalId: string): StackResource => {
    const resource = resources.get(logicalId);
    if (!resource) {
      throw new Error(
        logicalId in template.Resources
          ? `${logicalId} is not created (a false Condition, or not yet)`
          : `${logicalId} is neither a resource nor a parameter with a value`,
      );
    }
    return resource;
  };
  return {
    pseudoParameters: {
      'AWS::AccountId': options.account,
      'AWS::Region': region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': options.stackName,
      'AWS::StackId': `arn:aws:cloudformation:${region}:${options.account}:stack/${options.stackName}/local`,
    },
    parameters,
    conditions: template.Conditions ?? {},
    ref: (logicalId) => created(logicalId).ref,
    getAtt: (logicalId, attribute) => {
      const value = created(logicalId).attributes[attribute];
      if (value === undefined) throw new Error(`${logicalId} has no attribute ${attribute} locally`);
      return value;
    },
  };
}

function resolveOutputs(template: Template, scope: Scope): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !evaluateCondition(output.Condition, scope)) continue;
    const value = resolve(output.Value, scope);
    outputs[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return outputs;
}

function linkMapping(
  mapping: LocalEventSourceMapping,
  functions: readonly LocalFunction[],
  resources: ReadonlyMap<string, StackResource>,
): LocalMapping {
  const fn = functions.find(({ name, arn }) => mapping.functionName === name || mapping.functionName === arn);
  const source = [...resources.values()].find(({ attributes }) => attributes.Arn === mapping.eventSourceArn);
  return { ...mapping, functionLogicalId: fn?.logicalId, eventSourceLogicalId: source?.logicalId };
}

/** `AWS::SNS::Topic` → `sns`: the client, and so the emulator, a resource type is made with. */
function serviceOf(type: string): Service {
  const service = type.split('::')[1];
  const services: Record<string, Service> = {
    SQS: 'sqs',
    SNS: 'sns',
    DynamoDB: 'dynamodb',
    KMS: 'kms',
    Kinesis: 'kinesis',
    Events: 'events',
    IAM: 'iam',
    S3: 's3',
    SecretsManager: 'secretsManager',
    Lambda: 'lambda',
    Cognito: 'cognito',
  };
  return services[service];
}
