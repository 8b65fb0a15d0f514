import type { Schemas } from '../../api/client';

type AuditEvent = Schemas['AuditEvent'];

/** Who acted, as a person reads it: the user's email (or the key's name) when known, else the id. */
export function actorText(actor: AuditEvent['actor']): string {
  const kind = { user: 'user', 'api-key': 'API key', iam: 'IAM' }[actor.type];
  return actor.name ? `${actor.name} (${kind})` : `${kind} ${actor.id}`;
}

/** `{ liveVersion: 3, role: 'viewer' }` → `liveVersion 3, role viewer`; empty when there is no state. */
export function stateText(state: AuditEvent['before']): string {
  return Object.entries(state ?? {})
    .map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

/** Whether the event mentions `filter` in any column shown, ignoring case. */
export function eventMatches(event: AuditEvent, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (!needle) return true;
  return [
    event.at,
    actorText(event.actor),
    event.actor.id,
    event.action,
    event.target,
    stateText(event.before),
    stateText(event.after),
    event.sourceIp ?? '',
    event.userAgent ?? '',
    event.requestId,
  ].some((text) => text.toLowerCase().includes(needle));
}
