/** A dispatcher log line as the subscription delivers it: its JSON fields. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The log lines that may make an alert: the subscription filter's pattern selects exactly these. */
export const ALERTING_MESSAGES = {
  circuitOpened: 'circuit opened: deliveries deferred',
  disabled: 'destination disabled',
  deadLettered: 'dead-lettered',
} as const;

/** Something a workspace may be told, before its channel, cooldown and threshold decide. */
export interface AlertCandidate {
  readonly kind: 'DestinationCircuitOpened' | 'DestinationDisabled' | 'DeadLettersGrowing';
  readonly workspaceId: string;
  readonly destinationId: string;
  readonly reason: string;
  /** Dead letters seen in these lines (DeadLettersGrowing). */
  readonly count: number;
}

/** `workspace/destination`, as the breaker and the status table name a destination. */
function splitKey(key: unknown): { workspaceId: string; destinationId: string } | undefined {
  if (typeof key !== 'string') return undefined;
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1) return undefined;
  return { workspaceId: key.slice(0, slash), destinationId: key.slice(slash + 1) };
}

/**
 * The alerts in a bundle of dispatcher lines: one per circuit opened and per destination
 * disabled, and per destination one summing its dead letters (their most frequent code as the
 * reason). Lines of unknown shape are skipped: alerts never fail on a log line.
 */
export function alertCandidates(lines: readonly LogFields[]): AlertCandidate[] {
  const candidates: AlertCandidate[] = [];
  const deadLetters = new Map<
    string,
    { workspaceId: string; destinationId: string; codes: Map<string, number> }
  >();
  for (const line of lines) {
    const reason = String(line.reason ?? line.errorCode ?? 'Unknown');
    if (line.message === ALERTING_MESSAGES.circuitOpened || line.message === ALERTING_MESSAGES.disabled) {
      const destination = splitKey(line.destinationId);
      if (!destination) continue;
      candidates.push({
        kind:
          line.message === ALERTING_MESSAGES.disabled ? 'DestinationDisabled' : 'DestinationCircuitOpened',
        ...destination,
        reason,
        count: 1,
      });
    } else if (line.message === ALERTING_MESSAGES.deadLettered) {
      if (typeof line.workspaceId !== 'string' || typeof line.destinationId !== 'string') continue;
      const key = `${line.workspaceId}/${line.destinationId}`;
      const entry = deadLetters.get(key) ?? {
        workspaceId: line.workspaceId,
        destinationId: line.destinationId,
        codes: new Map<string, number>(),
      };
      entry.codes.set(reason, (entry.codes.get(reason) ?? 0) + 1);
      deadLetters.set(key, entry);
    }
  }
  for (const { workspaceId, destinationId, codes } of deadLetters.values()) {
    const [reason] = [...codes.entries()].sort((a, b) => b[1] - a[1])[0];
    const count = [...codes.values()].reduce((sum, n) => sum + n, 0);
    candidates.push({ kind: 'DeadLettersGrowing', workspaceId, destinationId, reason, count });
  }
  return candidates;
}
