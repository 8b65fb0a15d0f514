import * as z from 'zod';
import { AlertChannelSchema } from '../../shared/alert-channel';
import { json } from '../http/api-request';
import { route } from '../http/route';
import { WorkspaceParams } from './schemas';

const TAG = 'Alerts';
z.globalRegistry.add(AlertChannelSchema, {
  id: 'AlertChannel',
  description:
    "The workspace's own standard SNS topic, published through its delivery role (which needs sns:Publish on it): alerts when a destination's circuit opens, when it is disabled, and when its dead letters in an hour reach deadLetterThreshold",
});
const Channel: z.core.$ZodType = AlertChannelSchema;

export const alertRoutes = [
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/alerts',
    operationId: 'getAlertChannel',
    summary: "Where the workspace's alerts go: null when nowhere",
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    response: {
      status: 200,
      description: 'The channel',
      schema: z.object({ channel: z.nullable(Channel) }).meta({ id: 'AlertSettings' }),
    },
    async handle({ params, services }) {
      return json(200, { channel: await services.alerts.channel(params.workspace) });
    },
  }),
  route({
    method: 'PUT',
    path: '/v1/workspaces/{workspace}/alerts',
    operationId: 'setAlertChannel',
    summary: 'Set (or, with null, remove) where the workspace is alerted',
    tag: TAG,
    access: 'admin',
    params: WorkspaceParams,
    body: z.object({ channel: z.nullable(Channel) }).meta({ id: 'AlertSettingsRequest' }),
    response: {
      status: 200,
      description: 'The channel as set',
      schema: z.object({ channel: z.nullable(Channel) }),
    },
    async handle({ params, body, services, change }) {
      const channel = body.channel ? AlertChannelSchema.parse(body.channel) : null;
      await services.alerts.setChannel(params.workspace, channel, change);
      return json(200, { channel });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/alerts/test',
    operationId: 'testAlertChannel',
    summary: 'Publish a test alert (type AlertChannelTest) to the channel, as a real one goes',
    tag: TAG,
    access: 'editor',
    params: WorkspaceParams,
    response: {
      status: 200,
      description: 'Whether the topic took it, and if not what AWS said',
      schema: z.object({ sent: z.boolean(), error: z.string().optional() }).meta({ id: 'AlertTestResult' }),
    },
    async handle({ params, services }) {
      return json(200, await services.alerts.test(params.workspace));
    },
  }),
];
