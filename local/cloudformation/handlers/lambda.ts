import { randomUUID } from 'node:crypto';
import {
  AddPermissionCommand,
  type Architecture,
  CreateFunctionCommand,
  type FunctionUrlAuthType,
  PutFunctionConcurrencyCommand,
  type Runtime,
  type TracingMode,
} from '@aws-sdk/client-lambda';
import {
  isTrue,
  optionalNumber,
  optionalString,
  physicalName,
  type ResourceHandler,
  stringList,
  tagMap,
} from './handler';

/**
 * An empty zip archive: moto stores a function's code but cannot run it without Docker, and the
 * local runtime runs the handler from source, so the code is never read.
 */
const EMPTY_ZIP = Buffer.from(`504b0506${'00'.repeat(18)}`, 'hex');

/** Lambda's defaults, which `LocalFunction` spells out. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;

export const lambdaFunction: ResourceHandler = {
  properties: [
    'FunctionName',
    'Role',
    'Handler',
    'Runtime',
    'Environment',
    'Timeout',
    'MemorySize',
    'Architectures',
    'DeadLetterConfig',
    'TracingConfig',
    'ReservedConcurrentExecutions',
    'Description',
    'EphemeralStorage',
    'KmsKeyArn',
    'Tags',
    // Replaced by an empty archive: the caller runs the handler from source.
    'Code',
    // The log group is not emulated: local handlers log where the local runtime sends them.
    'LoggingConfig',
    // Layers are code too (the AWS CLI of CDK's bucket deployment, never invoked locally).
    'Layers',
  ],
  async create(properties, context) {
    const FunctionName =
      typeof properties.FunctionName === 'string'
        ? properties.FunctionName
        : physicalName(context, { maxLength: 64 });
    const synthesized = ((properties.Environment as { Variables?: Record<string, string> } | undefined)
      ?.Variables ?? {}) as Record<string, string>;
    const environment = { ...synthesized, ...context.environmentOverrides };
    const timeoutSeconds = optionalNumber(properties.Timeout) ?? DEFAULT_TIMEOUT_SECONDS;
    const memorySizeMb = optionalNumber(properties.MemorySize) ?? DEFAULT_MEMORY_MB;
    const deadLetterTargetArn = (properties.DeadLetterConfig as { TargetArn?: string } | undefined)
      ?.TargetArn;
    const { FunctionArn = '' } = await context.clients.lambda.send(
      new CreateFunctionCommand({
        FunctionName,
        Role: String(properties.Role),
        Handler: optionalString(properties.Handler),
        Runtime: properties.Runtime as Runtime | undefined,
        Code: { ZipFile: EMPTY_ZIP },
        Environment: { Variables: environment },
        Timeout: timeoutSeconds,
        MemorySize: memorySizeMb,
        Architectures: properties.Architectures as Architecture[] | undefined,
        DeadLetterConfig: deadLetterTargetArn ? { TargetArn: deadLetterTargetArn } : undefined,
        TracingConfig: properties.TracingConfig as { Mode?: TracingMode } | undefined,
        Description: optionalString(properties.Description),
        EphemeralStorage: properties.EphemeralStorage as { Size: number } | undefined,
        KMSKeyArn: optionalString(properties.KmsKeyArn),
        Tags: tagMap(properties.Tags),
      }),
    );
    const reservedConcurrency = optionalNumber(properties.ReservedConcurrentExecutions);
    if (reservedConcurrency !== undefined) {
      await context.clients.lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName,
          ReservedConcurrentExecutions: reservedConcurrency,
        }),
      );
    }
    return {
      ref: FunctionName,
      attributes: { Arn: FunctionArn },
      function: {
        logicalId: context.logicalId,
        name: FunctionName,
        arn: FunctionArn,
        roleArn: String(properties.Role),
        handler: String(properties.Handler),
        runtime: String(properties.Runtime),
        timeoutSeconds,
        memorySizeMb,
        environment,
        overriddenVariables: Object.keys(context.environmentOverrides).filter(
          (name) => synthesized[name] !== context.environmentOverrides[name],
        ),
        deadLetterTargetArn,
        reservedConcurrency,
      },
    };
  },
};

export const permission: ResourceHandler = {
  properties: [
    'FunctionName',
    'Action',
    'Principal',
    'SourceArn',
    'SourceAccount',
    'EventSourceToken',
    'PrincipalOrgID',
    'FunctionUrlAuthType',
  ],
  async create(properties, context) {
    await context.clients.lambda.send(
      new AddPermissionCommand({
        FunctionName: String(properties.FunctionName),
        StatementId: context.logicalId,
        Action: String(properties.Action),
        Principal: String(properties.Principal),
        SourceArn: optionalString(properties.SourceArn),
        SourceAccount: optionalString(properties.SourceAccount),
        EventSourceToken: optionalString(properties.EventSourceToken),
        PrincipalOrgID: optionalString(properties.PrincipalOrgID),
        FunctionUrlAuthType: properties.FunctionUrlAuthType as FunctionUrlAuthType | undefined,
      }),
    );
    return { ref: context.logicalId, attributes: {} };
  },
};

/**
 * Not created in the emulator: moto would poll the source itself and fail to invoke without
 * Docker. Its settings go to the caller, whose local pollers act as the mapping.
 */
export const eventSourceMapping: ResourceHandler = {
  properties: [
    'EventSourceArn',
    'FunctionName',
    'Enabled',
    'BatchSize',
    'MaximumBatchingWindowInSeconds',
    'FunctionResponseTypes',
    'ScalingConfig',
    'StartingPosition',
    'BisectBatchOnFunctionError',
    'MaximumRetryAttempts',
    'MaximumRecordAgeInSeconds',
    'ParallelizationFactor',
    'DestinationConfig',
    'FilterCriteria',
    // Neither changes what the mapping delivers.
    'MetricsConfig',
    'Tags',
  ],
  async create(properties, context) {
    const eventSourceArn = String(properties.EventSourceArn);
    const filters = (properties.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters;
    const id = randomUUID();
    return {
      ref: id,
      attributes: { Id: id },
      eventSourceMapping: {
        logicalId: context.logicalId,
        eventSourceArn,
        functionName: String(properties.FunctionName),
        enabled: properties.Enabled === undefined || isTrue(properties.Enabled),
        batchSize:
          optionalNumber(properties.BatchSize) ?? (eventSourceArn.startsWith('arn:aws:sqs:') ? 10 : 100),
        maximumBatchingWindowInSeconds: optionalNumber(properties.MaximumBatchingWindowInSeconds) ?? 0,
        functionResponseTypes: stringList(properties.FunctionResponseTypes),
        maximumConcurrency: optionalNumber(
          (properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
        ),
        startingPosition: optionalString(properties.StartingPosition),
        bisectBatchOnFunctionError:
          properties.BisectBatchOnFunctionError === undefined
            ? undefined
            : isTrue(properties.BisectBatchOnFunctionError),
        maximumRetryAttempts: optionalNumber(properties.MaximumRetryAttempts),
        maximumRecordAgeInSeconds: optionalNumber(properties.MaximumRecordAgeInSeconds),
        parallelizationFactor: optionalNumber(properties.ParallelizationFactor),
        onFailureDestinationArn: (
          properties.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined
        )?.OnFailure?.Destination,
        filterPatterns: filters?.map((filter) => filter.Pattern),
      },
    };
  },
};
