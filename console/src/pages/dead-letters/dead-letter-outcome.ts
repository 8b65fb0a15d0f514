import type { Schemas } from '../../api/client';

export type DeadLetterAction = 'redrive' | 'discard';

export type DeadLetterOutcome =
  | { readonly action: 'redrive'; readonly result: Schemas['RedriveOutcome'] }
  | { readonly action: 'discard'; readonly result: Schemas['DiscardOutcome'] };

export interface OutcomeSummary {
  readonly type: 'success' | 'warning';
  readonly header: string;
  /** One sentence per thing the person should know beyond the headline. */
  readonly details: readonly string[];
}

const letters = (count: number) => `${count} ${count === 1 ? 'letter' : 'letters'}`;

/**
 * What a redrive or discard did, in words: the API reports partial work (ids it could not find,
 * ids it did not get to, sends that failed) rather than failing the request, so each is told.
 */
export function summariseOutcome(outcome: DeadLetterOutcome): OutcomeSummary {
  const { result } = outcome;
  const done = outcome.action === 'redrive' ? outcome.result.redriven : outcome.result.discarded;
  const details: string[] = [];
  if (result.notFound.length > 0)
    details.push(
      `${letters(result.notFound.length)} no longer here (expired, or already redriven or discarded).`,
    );
  if (result.left.length > 0)
    details.push(`${letters(result.left.length)} not reached by this request: select them again.`);
  if (result.failed > 0) details.push(`${letters(result.failed)} failed: try them again.`);
  if (outcome.action === 'redrive' && outcome.result.notRemoved > 0)
    details.push(
      `${letters(outcome.result.notRemoved)} sent but still listed: redriving them again sends them twice.`,
    );
  return {
    type: details.length === 0 ? 'success' : 'warning',
    header:
      outcome.action === 'redrive'
        ? `Sent ${letters(done)} back to be delivered again`
        : `Discarded ${letters(done)} for good`,
    details,
  };
}
