import type { StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { Schemas } from '../../api/client';

/** A destination's health in a few words, for a StatusIndicator. */
export interface HealthSummary {
  readonly indicator: StatusIndicatorProps.Type;
  readonly text: string;
  /** Worst first, for sorting by health. */
  readonly rank: number;
}

/** From the visibility API's figures for one destination; undefined: the API has none (not live). */
export function summarizeHealth(health: Schemas['DestinationHealth'] | undefined): HealthSummary {
  if (!health) return { indicator: 'stopped', text: 'Not live', rank: 4 };
  const { delivered } = health;
  const failed = health.failed.total;
  if (health.disabled) return { indicator: 'error', text: `Disabled, ${failed} failed`, rank: 0 };
  if (health.circuit.state === 'open')
    return { indicator: 'error', text: `Circuit open, ${failed} failed`, rank: 0 };
  if (failed > 0 && delivered === 0) return { indicator: 'error', text: `${failed} failed`, rank: 1 };
  if (failed > 0) return { indicator: 'warning', text: `${delivered} delivered, ${failed} failed`, rank: 2 };
  if (delivered > 0) return { indicator: 'success', text: `${delivered} delivered`, rank: 3 };
  return { indicator: 'info', text: 'No deliveries', rank: 3 };
}
