import * as z from 'zod';
import { DELIVERY_ROLE_PATH } from '../../shared/delivery-permissions';
import { destinationArn } from '../../shared/destination-config';
import {
  DESTINATION_TYPES,
  type DestinationType,
  destinationFields,
  type FieldDescriptor,
} from '../../shared/destination-types';
import { REGION_PATTERN } from '../../shared/destination-types/common';
import { resolveWorkspace } from '../../shared/workspace';
import { destinationNotFound } from '../http/api-error';
import { json } from '../http/api-request';
import { route } from '../http/route';
import { DestinationParams, WorkspaceParams } from './schemas';

const TAG = 'Setup';

const CheckStepSchema = z.object({
  step: z.string(),
  verdict: z.enum(['ok', 'warn', 'fail', 'skip']),
  detail: z.string(),
  fix: z.string().optional(),
});

const FieldSchema = z
  .object({
    name: z.string(),
    label: z.string(),
    description: z.string(),
    required: z.boolean(),
    kind: z.enum(['text', 'number', 'boolean', 'list', 'json']),
    pattern: z.string().optional().meta({ description: 'A regular expression the value must match' }),
    patternMessage: z.string().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    options: z.array(z.string()).optional(),
    default: z.string().optional(),
    example: z.union([z.string(), z.array(z.string())]).optional(),
    or: z.array(z.string()).optional().meta({ description: 'Fields that together stand in for this one' }),
  })
  .meta({ id: 'DestinationField' });

/**
 * A type's fields as a request gives them (`DestinationRequest`): every type may give its
 * resource's region first (checked against the ARN), and `events` defaults to all.
 */
function requestFields(type: DestinationType): FieldDescriptor[] {
  const fields = destinationFields(type).map((field) =>
    field.name === 'events' ? { ...field, required: false, default: '*' } : field,
  );
  if (fields.some((field) => field.name === 'region')) return fields;
  return [
    {
      name: 'region',
      label: 'Region',
      description: "The resource's region: checked against its ARN",
      required: false,
      rule: { pattern: REGION_PATTERN, message: 'must be an AWS region' },
      example: 'us-east-1',
    },
    ...fields,
  ];
}

export const setupRoutes = [
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/destination-types',
    operationId: 'listDestinationTypes',
    summary:
      'Each destination type and the fields that configure it, with their rules: for forms and CLI flags',
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    response: {
      status: 200,
      description: 'The types',
      schema: z
        .object({
          types: z.array(
            z.object({ type: z.string(), fifo: z.boolean().optional(), fields: z.array(FieldSchema) }),
          ),
        })
        .meta({ id: 'DestinationTypes' }),
    },
    async handle() {
      const types = (Object.keys(DESTINATION_TYPES) as DestinationType[]).map((type) => ({
        type,
        fields: requestFields(type).map(({ rule, kind, ...field }) => ({
          ...field,
          kind: kind ?? 'text',
          ...(rule && { pattern: rule.pattern.source, patternMessage: rule.message }),
        })),
      }));
      return json(200, { types });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/destinations/{destination}/check',
    operationId: 'checkDestination',
    summary:
      "Check the customer's setup for a destination, step by step, as the dispatcher (the live version's, else the draft's)",
    tag: TAG,
    access: 'editor',
    params: DestinationParams,
    body: z
      .object({
        sendTestEvent: z.boolean().optional().meta({
          description:
            'Deliver one test event (event "Destination Setup Check", event_properties.platform_setup_check = true)',
        }),
      })
      .meta({ id: 'CheckRequest' }),
    response: {
      status: 200,
      description: 'The steps; ok is false when one failed',
      schema: z
        .object({
          workspace: z.string(),
          destination: z.string(),
          source: z.enum(['live', 'draft']),
          ok: z.boolean(),
          steps: z.array(CheckStepSchema),
        })
        .meta({ id: 'CheckResult' }),
    },
    async handle({ params, body, services, change }) {
      const registry = services.registry(change);
      const live = await registry.liveRecord(params.workspace);
      const published = live.destinations.find((d) => d.id === params.destination);
      const spec =
        published ?? (await registry.draft(params.workspace)).find((d) => d.id === params.destination);
      if (!spec) throw destinationNotFound(params.workspace, params.destination);
      const [destination] = resolveWorkspace({ ...live, destinations: [spec] }).destinations;
      const steps = await services.checkDestination(destination, body.sendTestEvent === true);
      return json(200, {
        workspace: params.workspace,
        destination: params.destination,
        source: published ? 'live' : 'draft',
        ok: !steps.some((s) => s.verdict === 'fail'),
        steps,
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/trust-policy',
    operationId: 'getTrustPolicy',
    summary:
      "The trust policy of the workspace's delivery role: the dispatcher's principal and the workspace's external id",
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    response: {
      status: 200,
      description: 'Ready to paste, or to pass to the customer stack',
      schema: z
        .object({
          platformAccountId: z.string(),
          dispatcherRoleArn: z.string(),
          externalId: z.string(),
          rolePath: z.string(),
          trustPolicy: z.record(z.string(), z.unknown()),
          customerStackContext: z.record(z.string(), z.string()),
          lambdaPermission: z
            .object({ principal: z.string(), action: z.string() })
            .meta({ description: 'Or, for Lambda without a role: grant the dispatcher on the function' }),
          resources: z
            .array(z.string())
            .meta({ description: "The live destinations' resources, for the role's permissions" }),
        })
        .meta({ id: 'TrustPolicy' }),
    },
    async handle({ params, services, change }) {
      const workspace = await services.registry(change).liveRecord(params.workspace);
      const { account, dispatcherRoleArn } = services.platform;
      return json(200, {
        platformAccountId: account,
        dispatcherRoleArn,
        externalId: workspace.externalId,
        rolePath: DELIVERY_ROLE_PATH,
        trustPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${account}:root` },
              Action: 'sts:AssumeRole',
              Condition: {
                StringEquals: {
                  'sts:ExternalId': workspace.externalId,
                  'aws:PrincipalArn': dispatcherRoleArn,
                },
              },
            },
          ],
        },
        customerStackContext: {
          platformAccountId: account,
          dispatcherRoleArn,
          externalId: workspace.externalId,
        },
        lambdaPermission: { principal: dispatcherRoleArn, action: 'lambda:InvokeFunction' },
        resources: workspace.destinations.map(destinationArn),
      });
    },
  }),
];
