import * as z from 'zod';
import type { DestinationSwitch } from '../deliveries/destination-switch';
import { ApiError, destinationNotFound } from '../http/api-error';
import { json } from '../http/api-request';
import { route } from '../http/route';
import type { ControlPlaneServices } from '../services';
import { DestinationParams } from './schemas';

const TAG = 'Deliveries';

const SwitchResult = z
  .object({
    destination: z.string(),
    enabled: z.boolean(),
    changed: z.boolean().meta({ description: 'False when it already was' }),
  })
  .meta({ id: 'DestinationSwitchResult' });

/** The switch, or 501 when this deployment has no destination status table. */
function switchOf(services: ControlPlaneServices): DestinationSwitch {
  if (!services.destinationSwitch)
    throw new ApiError(
      501,
      'DestinationSwitchNotConfigured',
      'this deployment keeps no destination status (the API function has no DESTINATION_STATUS_TABLE)',
    );
  return services.destinationSwitch;
}

const switchRoute = (enabled: boolean) =>
  route({
    method: 'POST',
    path: `/v1/workspaces/{workspace}/destinations/{destination}/${enabled ? 'enable' : 'disable'}`,
    operationId: enabled ? 'enableDestination' : 'disableDestination',
    summary: enabled
      ? 'Deliver to a disabled destination again (disabled here, or by the dispatcher after failing for long), within a minute; then redrive its DestinationDisabled dead letters'
      : 'Stop delivering to a destination, within a minute, without unpublishing it: its events are dead-lettered with DestinationDisabled, to redrive once it is enabled',
    tag: TAG,
    access: 'editor',
    params: DestinationParams,
    response: { status: 200, description: 'Its state now', schema: SwitchResult },
    async handle({ params, services, change }) {
      const destinationSwitch = switchOf(services);
      const registry = services.registry(change);
      const [draft, live] = await Promise.all([
        registry.draft(params.workspace),
        registry.liveRecord(params.workspace),
      ]);
      const known = [...draft, ...live.destinations].some((d) => d.id === params.destination);
      if (!known) throw destinationNotFound(params.workspace, params.destination);
      const result = await destinationSwitch.set(params.workspace, params.destination, enabled, change);
      return json(200, { destination: params.destination, ...result });
    },
  });

export const destinationSwitchRoutes = [switchRoute(false), switchRoute(true)];
