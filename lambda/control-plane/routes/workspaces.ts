import * as z from 'zod';
import { WorkspaceIdSchema } from '../../shared/workspace-id';
import { ApiError } from '../http/api-error';
import { json } from '../http/api-request';
import { route } from '../http/route';
import { RoleSchema, WorkspaceParams, WorkspaceSchema } from './schemas';

const TAG = 'Workspaces';

export const workspaceRoutes = [
  route({
    method: 'GET',
    path: '/v1/me',
    operationId: 'getMe',
    summary: 'Who you are signed in as, and your workspaces with your role in each',
    tag: TAG,
    access: 'signed-in',
    response: {
      status: 200,
      description: 'You',
      schema: z
        .object({
          userId: z.string(),
          username: z.string(),
          operator: z.boolean(),
          workspaces: z.array(z.object({ workspace: z.string(), role: RoleSchema })),
        })
        .meta({ id: 'Me' }),
    },
    async handle({ request, services }) {
      const caller = request.caller;
      if (caller?.kind !== 'user') throw new ApiError(403, 'Forbidden', 'sign in as a person');
      return json(200, {
        userId: caller.userId,
        username: caller.username,
        operator: caller.operator,
        workspaces: await services.members.workspacesOf(caller.userId),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces',
    operationId: 'listWorkspaces',
    summary: 'Every workspace (operators only)',
    tag: TAG,
    access: 'operator',
    response: {
      status: 200,
      description: 'The workspaces',
      schema: z.object({ workspaces: z.array(WorkspaceSchema) }).meta({ id: 'WorkspaceList' }),
    },
    async handle({ services, change }) {
      return json(200, { workspaces: await services.registry(change).listWorkspaces() });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces',
    operationId: 'createWorkspace',
    summary:
      'Create a workspace with its platform-assigned external id (operators only); then invite its first admin',
    tag: TAG,
    access: 'operator',
    body: z.object({ id: WorkspaceIdSchema }).meta({ id: 'WorkspaceRequest' }),
    response: { status: 201, description: 'The workspace', schema: WorkspaceSchema },
    async handle({ body, services, change }) {
      return json(201, await services.registry(change).createWorkspace(body.id));
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}',
    operationId: 'getWorkspace',
    summary: 'The workspace: its external id, status, live version and invoke accounts',
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    response: { status: 200, description: 'The workspace', schema: WorkspaceSchema },
    async handle({ params, services, change }) {
      return json(200, await services.registry(change).workspace(params.workspace));
    },
  }),
  ...(['disable', 'enable'] as const).map((action) =>
    route({
      method: 'POST',
      path: `/v1/workspaces/{workspace}/${action}`,
      operationId: `${action}Workspace`,
      summary:
        action === 'disable'
          ? 'Disable a workspace: its events are dead-lettered with WorkspaceNotFound (operators only)'
          : 'Enable a disabled workspace (operators only)',
      tag: TAG,
      access: 'operator',
      params: WorkspaceParams,
      response: { status: 200, description: 'The workspace', schema: WorkspaceSchema },
      async handle({ params, services, change }) {
        const registry = services.registry(change);
        await registry.setWorkspaceStatus(params.workspace, action === 'disable' ? 'disabled' : 'active');
        return json(200, await registry.workspace(params.workspace));
      },
    }),
  ),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/invoke-accounts',
    operationId: 'addInvokeAccount',
    summary:
      "Let the workspace's Lambda destinations in an account be invoked without a delivery role (operators only, once the customer's ownership is verified)",
    tag: TAG,
    access: 'operator',
    params: WorkspaceParams,
    body: z
      .object({ account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id') })
      .meta({ id: 'InvokeAccountRequest' }),
    response: { status: 200, description: 'The workspace', schema: WorkspaceSchema },
    async handle({ params, body, services, change }) {
      const registry = services.registry(change);
      await registry.addInvokeAccount(params.workspace, body.account);
      return json(200, await registry.workspace(params.workspace));
    },
  }),
];
