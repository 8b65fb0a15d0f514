import type { Schemas } from '../../../src/api/client';

/** API answers as the control plane gives them, trimmed to what the destination pages read. */

const REGION = '^[a-z]{2}(?:-[a-z]+)+-\\d$';
const ROLE_ARN = '^arn:aws(?:-[a-z]+)*:iam::\\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$';

const COMMON_FIELDS: Schemas['DestinationField'][] = [
  {
    name: 'id',
    label: 'Destination id',
    description: 'Names the destination in its workspace',
    required: true,
    kind: 'text',
    pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
    patternMessage: 'must be lowercase letters, digits and "-"',
    example: 'orders',
  },
  {
    name: 'events',
    label: 'Events',
    description: 'Event names it receives, or "*" for all',
    required: false,
    kind: 'list',
    default: '*',
    example: ['*'],
  },
  {
    name: 'offloadOversize',
    label: 'Offload oversize events',
    description: 'Deliver events over the size limit as a pointer to the payload bucket (needs a role)',
    required: false,
    kind: 'boolean',
  },
  {
    name: 'maxEventsPerSecond',
    label: 'Rate limit',
    description: 'The most events a second it is sent',
    required: false,
    kind: 'number',
    max: 100000,
  },
];

export const DESTINATION_TYPES: Schemas['DestinationTypes'] = {
  types: [
    {
      type: 'lambda',
      fields: [
        {
          name: 'region',
          label: 'Region',
          description: "The function's region: with functionName, instead of functionArn",
          required: false,
          kind: 'text',
          pattern: REGION,
          patternMessage: 'must be an AWS region',
          example: 'us-east-1',
        },
        {
          name: 'functionName',
          label: 'Function name',
          description: 'With region, instead of functionArn',
          required: false,
          kind: 'text',
          pattern: '^[A-Za-z0-9_-]{1,64}$',
          patternMessage: 'must be 1-64 letters, digits, "-" or "_"',
          example: 'orders',
        },
        {
          name: 'account',
          label: 'Account',
          description: "The function's account, with region and functionName: by default the role's",
          required: false,
          kind: 'text',
          pattern: '^\\d{12}$',
          patternMessage: 'must be a 12-digit account id',
        },
        {
          name: 'functionArn',
          label: 'Function ARN',
          description: 'The function, or a version or alias of it',
          required: true,
          kind: 'text',
          pattern: '^arn:aws:lambda:.+$',
          patternMessage: 'must be a Lambda function ARN',
          or: ['region', 'functionName', 'account'],
        },
        {
          name: 'invocationType',
          label: 'Invocation type',
          description: 'Event: asynchronous',
          required: false,
          kind: 'text',
          options: ['Event', 'RequestResponse'],
          default: 'Event',
        },
        {
          name: 'roleArn',
          label: 'Delivery role ARN',
          description: 'The role the platform assumes to invoke',
          required: false,
          kind: 'text',
          pattern: ROLE_ARN,
          patternMessage: 'must be an IAM role ARN',
        },
        ...COMMON_FIELDS,
      ],
    },
    {
      type: 'sns',
      fields: [
        {
          name: 'region',
          label: 'Region',
          description: "The resource's region: checked against its ARN",
          required: false,
          kind: 'text',
          pattern: REGION,
          patternMessage: 'must be an AWS region',
        },
        {
          name: 'topicArn',
          label: 'Topic ARN',
          description: 'The topic, standard or FIFO (.fifo)',
          required: true,
          kind: 'text',
          pattern: '^arn:aws:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}(?:\\.fifo)?$',
          patternMessage: 'must be an SNS topic ARN',
        },
        {
          name: 'roleArn',
          label: 'Delivery role ARN',
          description: 'The role in your account the platform assumes to deliver',
          required: true,
          kind: 'text',
          pattern: ROLE_ARN,
          patternMessage: 'must be an IAM role ARN',
        },
        ...COMMON_FIELDS,
      ],
    },
  ],
};

export const TRUST_POLICY: Schemas['TrustPolicy'] = {
  platformAccountId: '123456789012',
  dispatcherRoleArn: 'arn:aws:iam::123456789012:role/Dispatcher',
  externalId: 'ext-42',
  rolePath: '/event-delivery/',
  trustPolicy: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' } }],
  },
  customerStackContext: {
    platformAccountId: '123456789012',
    dispatcherRoleArn: 'arn:aws:iam::123456789012:role/Dispatcher',
    externalId: 'ext-42',
  },
  lambdaPermission: {
    principal: 'arn:aws:iam::123456789012:role/Dispatcher',
    action: 'lambda:InvokeFunction',
  },
  resources: [],
};

export function listing(
  destinations: Schemas['DraftListing']['destinations'],
  removed: string[] = [],
): Schemas['DraftListing'] {
  return { workspace: 'ws-1', liveVersion: 3, draftRevision: 7, destinations, removed };
}

export function health(destinations: Partial<Schemas['DestinationHealth']>[]): Schemas['WorkspaceHealth'] {
  const figures = {
    delivered: 0,
    failed: { total: 0, byCode: {} },
    retriesScheduled: 0,
    deadLettered: { total: 0, byCode: {} },
    blockedByConsent: 0,
    offloaded: 0,
    latencyMs: { delivered: 0, p50: null, p99: null },
    lastSuccessAt: null,
    lastFailure: null,
    series: [],
  };
  return {
    workspace: 'ws-1',
    window: 'hour',
    from: '2025-01-01T00:00:00Z',
    to: '2025-01-01T01:00:00Z',
    generatedAt: '2025-01-01T01:00:00Z',
    totals: figures,
    destinations: destinations.map((entry) => ({
      destinationId: 'x',
      type: null,
      live: true,
      ...figures,
      circuit: { state: 'closed', changedAt: null, reason: null, openedInWindow: 0, failingSince: null },
      disabled: null,
      ...entry,
    })),
  };
}
