import * as z from 'zod';
import { listAuditEvents } from '../audit/audit-log';
import { ApiError } from '../http/api-error';
import { json } from '../http/api-request';
import { route } from '../http/route';
import { RoleSchema, WorkspaceParams } from './schemas';

const MemberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    role: RoleSchema,
    addedAt: z.string(),
    addedBy: z.string(),
  })
  .meta({ id: 'Member' });
const MemberParams = WorkspaceParams.extend({
  member: z.string().regex(/^[A-Za-z0-9-]{1,128}$/, 'must be a user id'),
});

const ApiKeySchema = z
  .object({
    id: z.string(),
    prefix: z.string().meta({ description: 'What the key starts with: edk_<id>' }),
    name: z.string(),
    role: RoleSchema,
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string().optional(),
    lastUsedAt: z.string().optional(),
    revokedAt: z.string().optional(),
    revokedBy: z.string().optional(),
  })
  .meta({ id: 'ApiKey' });
const KeyParams = WorkspaceParams.extend({
  key: z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id'),
});

const AuditEventSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    at: z.string(),
    action: z.string(),
    target: z.string(),
    actor: z.object({
      type: z.enum(['user', 'api-key', 'iam']),
      id: z.string(),
      name: z.string().optional(),
    }),
    requestId: z.string(),
    sourceIp: z.string().optional(),
    userAgent: z.string().optional(),
    before: z.record(z.string(), z.unknown()).optional(),
    after: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AuditEvent' });

/** How long a key may live at most. */
const MAX_KEY_DAYS = 366;

export const accessRoutes = [
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/members',
    operationId: 'listMembers',
    summary: "The workspace's members and their roles",
    tag: 'Members',
    access: 'viewer',
    params: WorkspaceParams,
    response: {
      status: 200,
      description: 'The members',
      schema: z.object({ members: z.array(MemberSchema) }).meta({ id: 'MemberList' }),
    },
    async handle({ params, services }) {
      return json(200, { members: await services.members.list(params.workspace) });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/members',
    operationId: 'inviteMember',
    summary: 'Invite a person by email (a new user gets a temporary password by email) with a role',
    tag: 'Members',
    access: 'admin',
    params: WorkspaceParams,
    body: z.object({ email: z.email().max(254), role: RoleSchema }).meta({ id: 'InviteRequest' }),
    response: { status: 201, description: 'The new member', schema: MemberSchema },
    async handle({ params, body, services, change }) {
      return json(
        201,
        await services.members.invite(params.workspace, body.email.toLowerCase(), body.role, change),
      );
    },
  }),
  route({
    method: 'PATCH',
    path: '/v1/workspaces/{workspace}/members/{member}',
    operationId: 'changeMemberRole',
    summary: "Change a member's role",
    tag: 'Members',
    access: 'admin',
    params: MemberParams,
    body: z.object({ role: RoleSchema }).meta({ id: 'RoleChange' }),
    response: { status: 200, description: 'The member', schema: MemberSchema },
    async handle({ params, body, services, change }) {
      return json(200, await services.members.setRole(params.workspace, params.member, body.role, change));
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/workspaces/{workspace}/members/{member}',
    operationId: 'removeMember',
    summary: 'Remove a member from the workspace',
    tag: 'Members',
    access: 'admin',
    params: MemberParams,
    response: { status: 204, description: 'Removed' },
    async handle({ params, services, change }) {
      await services.members.remove(params.workspace, params.member, change);
      return { status: 204 };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/api-keys',
    operationId: 'listApiKeys',
    summary: "The workspace's API keys (never their secrets)",
    tag: 'API keys',
    access: 'viewer',
    params: WorkspaceParams,
    response: {
      status: 200,
      description: 'The keys, revoked ones included',
      schema: z.object({ apiKeys: z.array(ApiKeySchema) }).meta({ id: 'ApiKeyList' }),
    },
    async handle({ params, services }) {
      return json(200, { apiKeys: await services.apiKeys.list(params.workspace) });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key for machines: the key is in this answer only, never again',
    tag: 'API keys',
    access: 'admin',
    params: WorkspaceParams,
    body: z
      .object({
        name: z.string().min(1).max(100).meta({ description: 'What it is for' }),
        role: RoleSchema,
        expiresAt: z.iso
          .datetime()
          .optional()
          .meta({ description: `At most ${MAX_KEY_DAYS} days ahead; default: never` }),
      })
      .meta({ id: 'ApiKeyRequest' }),
    response: {
      status: 201,
      description: 'The key, shown once, and its summary',
      schema: z.object({ key: z.string(), apiKey: ApiKeySchema }).meta({ id: 'CreatedApiKey' }),
    },
    async handle({ params, body, services, change }) {
      if (body.expiresAt) {
        const at = Date.parse(body.expiresAt);
        if (at <= Date.now() || at > Date.now() + MAX_KEY_DAYS * 86_400_000)
          throw new ApiError(
            400,
            'InvalidRequest',
            `expiresAt: must be in the future, at most ${MAX_KEY_DAYS} days ahead`,
            [{ field: 'expiresAt', message: `must be in the future, at most ${MAX_KEY_DAYS} days ahead` }],
          );
      }
      const created = await services.apiKeys.create(params.workspace, body, change);
      return json(201, { key: created.key, apiKey: created.summary }, { 'cache-control': 'no-store' });
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/workspaces/{workspace}/api-keys/{key}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key at once',
    tag: 'API keys',
    access: 'admin',
    params: KeyParams,
    response: { status: 200, description: 'The revoked key', schema: ApiKeySchema },
    async handle({ params, services, change }) {
      const revoked = await services.apiKeys.revoke(params.workspace, params.key, change);
      if (!revoked)
        throw new ApiError(404, 'ApiKeyNotFound', `no API key ${params.key} in ${params.workspace}`);
      return json(200, revoked);
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/audit-events',
    operationId: 'listAuditEvents',
    summary: 'Who changed what, newest first',
    tag: 'Audit',
    access: 'viewer',
    params: WorkspaceParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).optional(),
      cursor: z.string().max(200).optional().meta({ description: 'nextCursor of the previous page' }),
    }),
    response: {
      status: 200,
      description: 'A page of events',
      schema: z
        .object({ events: z.array(AuditEventSchema), nextCursor: z.string().optional() })
        .meta({ id: 'AuditPage' }),
    },
    async handle({ params, query, services }) {
      return json(
        200,
        await listAuditEvents(services.dynamodb, services.tableName, params.workspace, {
          limit: query.limit ?? 50,
          ...(query.cursor && { cursor: query.cursor }),
        }),
      );
    },
  }),
];
