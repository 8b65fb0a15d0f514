import * as z from 'zod';
import { DestinationIdSchema } from '../../shared/destination-id';
import { DestinationSchema } from '../../shared/destination-types';
import { WorkspaceIdSchema } from '../../shared/workspace-id';
import { ROLES } from '../access/roles';

export const WorkspaceParams = z.object({ workspace: WorkspaceIdSchema });
export const DestinationParams = z.object({ workspace: WorkspaceIdSchema, destination: DestinationIdSchema });

export const RoleSchema = z.enum(ROLES).meta({
  id: 'Role',
  description:
    'viewer: read; editor: also draft, check, test, publish, roll back; admin: also members, keys, delete',
});

export const ErrorSchema = z
  .object({
    code: z
      .string()
      .meta({ description: 'Stable: clients branch on it (InvalidRequest, WorkspaceNotFound, …)' }),
    message: z.string().meta({ description: 'What is wrong, naming the field' }),
    requestId: z.string(),
    problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error' });

/** A destination as stored: the type's own schema, defaults applied. */
z.globalRegistry.add(DestinationSchema, { id: 'Destination' });
export const Destination: z.core.$ZodType = DestinationSchema;

export const DiffSchema = z
  .object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) })
  .meta({ id: 'DestinationDiff', description: 'Destination ids added, removed and changed' });

export const VersionSchema = z
  .object({
    version: z.number().int(),
    destinations: z.array(Destination),
    publishedAt: z.string(),
    publishedBy: z.string().meta({ description: 'The actor: user:<id>, api-key:<id> or iam:<arn>' }),
    action: z.enum(['publish', 'rollback']),
    restoredVersion: z.number().int().optional(),
    changes: DiffSchema,
    note: z.string().optional(),
  })
  .meta({ id: 'PublishedVersion' });

export const WorkspaceSchema = z
  .object({
    id: z.string(),
    externalId: z
      .string()
      .meta({ description: "The workspace's external id: the delivery role's sts:ExternalId" }),
    status: z.enum(['active', 'disabled']),
    liveVersion: z.number().int(),
    invokeAccounts: z.array(z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .meta({ id: 'Workspace' });

/** `true`/`false` in a query string. */
export const QueryFlag = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');
