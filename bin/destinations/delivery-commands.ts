import { UsageError } from '../cli-kit';
import type {
  ApiBackend,
  DeadLetterFilter,
  DeadLetterSelection,
  DeadLetterView,
  DeliveryFigures,
  DeliveryWindow,
  DiscardOutcome,
  RedriveOutcome,
} from './api-backend';
import { type Command, type CommandContext, need, needAfter, result, timeFlag } from './command';

/**
 * What happened to the workspace's deliveries, through the API only: health, recent failures, an
 * event's story, the workspace's dead letters (list, show, redrive, discard), and its alerts.
 */
type ApiCommand = Command<ApiBackend>;
type Context = CommandContext<ApiBackend>;

const WINDOWS: readonly DeliveryWindow[] = ['hour', 'day', 'week'];

/** --window, or undefined for the API's own (hour for health, day for failures and stories). */
function windowFlag(context: Context): DeliveryWindow | undefined {
  const { window } = context.values;
  if (window === undefined) return undefined;
  if (!(WINDOWS as readonly string[]).includes(window))
    throw new UsageError(`--window must be ${WINDOWS.join(', ')}`, context.command);
  return window as DeliveryWindow;
}

/** `AccessDenied 2, Timeout 1`, the most first. */
const byCode = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');

const counted = (label: string, figure: { total: number; byCode: Readonly<Record<string, number>> }) =>
  `${label} ${figure.total}${figure.total > 0 ? ` (${byCode(figure.byCode)})` : ''}`;

const figures = (f: DeliveryFigures) =>
  [
    `delivered ${f.delivered}`,
    counted('failed', f.failed),
    `retries ${f.retriesScheduled}`,
    counted('dead-lettered', f.deadLettered),
  ].join(', ');

const health: ApiCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const answer = await context.backend.health(workspace, windowFlag(context));
  const width = Math.max(8, ...answer.destinations.map((d) => d.destinationId.length + 1));
  return result(
    answer,
    [
      `${workspace}, the last ${answer.window} (${answer.from} to ${answer.to}):`,
      ...answer.destinations.map((d) =>
        [
          `  ${d.destinationId.padEnd(width)} ${figures(d)}`,
          `circuit ${d.circuit.state}`,
          ...(d.disabled ? [`DISABLED (${d.disabled.reason})`] : []),
          ...(d.lastFailure ? [`last failure ${d.lastFailure.code} at ${d.lastFailure.at}`] : []),
          ...(d.live ? [] : ['not live']),
        ].join(', '),
      ),
      ...(answer.destinations.length === 0 ? ['  no destinations'] : []),
      `  ${'total'.padEnd(width)} ${figures(answer.totals)}`,
    ].join('\n'),
  );
};

const failures: ApiCommand = async (context) => {
  const [workspace, destination] = need(context, 'WORKSPACE', 'DESTINATION');
  const answer = await context.backend.failures(workspace, destination, {
    limit: context.values.limit,
    window: windowFlag(context),
  });
  return result(
    answer,
    answer.failures
      .map(
        (f) =>
          `${f.at}  ${f.distinctIdHash}  ${f.code.padEnd(20)} attempt ${f.attempt ?? '-'}  ${f.outcome}${f.reason ? `: ${f.reason}` : ''}`,
      )
      .join('\n') || `no failures of ${destination} in the last ${answer.window}`,
  );
};

const story: ApiCommand = async (context) => {
  const [workspace, distinctId] = need(context, 'WORKSPACE', 'DISTINCT_ID');
  if (distinctId === '' || distinctId.includes('/'))
    throw new UsageError('story: the API cannot look up a distinct_id that is empty or holds "/"', 'story');
  const visitorId = context.values['visitor-id'];
  const answer = await context.backend.story(workspace, distinctId, {
    window: windowFlag(context),
    ...(visitorId !== undefined && { visitorId }),
  });
  const step = (s: (typeof answer.steps)[number]) => {
    const where = s.destinationId
      ? `${s.destinationId}${s.destinationType ? ` (${s.destinationType})` : ''} `
      : '';
    const details = [
      ...(s.attempt !== undefined ? [`attempt ${s.attempt}`] : []),
      ...(s.redriven ? ['redriven'] : []),
      ...(s.errorCode ? [`${s.errorCode}${s.errorMessage ? `: ${s.errorMessage}` : ''}`] : []),
      ...(s.next ? [s.next] : []),
    ];
    return `  ${s.at}  ${where}${s.kind}${details.length > 0 ? `, ${details.join(', ')}` : ''}`;
  };
  return result(
    answer,
    [
      `event ${answer.distinctIdHash} in ${workspace}, the last ${answer.window}${answer.consumerEventKeyHash ? ` (the consumer's eventKeyHash ${answer.consumerEventKeyHash})` : ''}:`,
      ...(answer.found ? answer.steps.map(step) : ['  not found in the logs of the window']),
    ].join('\n'),
  );
};

/** --destination, --code, --from, --to: the ones given. */
function filterFlags(context: Context): DeadLetterFilter {
  const { destination, code, from, to } = context.values;
  return {
    ...(destination !== undefined && { destination }),
    ...(code !== undefined && { code }),
    ...(from !== undefined && { from: timeFlag(from, 'from', context.command) }),
    ...(to !== undefined && { to: timeFlag(to, 'to', context.command) }),
  };
}

/** LETTER…, --all, or a filter: exactly one. */
function selectionOf(context: Context, action: string): DeadLetterSelection {
  const letters = context.args.slice(2).filter((letter) => letter !== '');
  const filter = filterFlags(context);
  const filtered = Object.keys(filter).length > 0;
  if ([letters.length > 0, context.values.all, filtered].filter(Boolean).length !== 1)
    throw new UsageError(
      `dead-letters ${action} needs which letters, one way: LETTER…, --all, or a filter (--destination, --code, --from, --to)`,
      context.command,
    );
  return letters.length > 0 ? { letters } : { filter };
}

const letterLine = (l: DeadLetterView) =>
  `${l.id}  ${l.at}  ${l.errorCode.padEnd(20)} ${(l.destinationId ?? (l.targets ? `→ ${l.targets.join(',')}` : '-')).padEnd(20)} attempts ${l.attempts}  ${l.reason}`;

/** What a redrive or discard did, and what is left. */
function outcomeLines(
  workspace: string,
  action: string,
  done: number,
  outcome: RedriveOutcome | DiscardOutcome,
) {
  return [
    `${action} ${done} of ${outcome.matched} matched in ${workspace}${outcome.failed > 0 ? `; ${outcome.failed} failed (still there: try again)` : ''}${'notRemoved' in outcome && outcome.notRemoved > 0 ? `; ${outcome.notRemoved} sent but not removed (a second redrive sends them again)` : ''}`,
    ...(outcome.notFound.length > 0
      ? [`not found (expired, redriven or discarded): ${outcome.notFound.join(' ')}`]
      : []),
    ...(outcome.left.length > 0
      ? [`not reached, give them again: ${outcome.left.join(' ')}`]
      : outcome.remaining > 0
        ? [
            `${outcome.remainingExact ? '' : 'at least '}${outcome.remaining} more match: run the command again`,
          ]
        : []),
  ];
}

const deadLetters: ApiCommand = async (context) => {
  const { backend, values } = context;
  const [action = ''] = context.args;
  switch (action) {
    case 'list': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const page = await backend.deadLetters(workspace, {
        ...filterFlags(context),
        limit: values.limit,
        cursor: values.cursor,
      });
      return result(
        page,
        [
          ...page.letters.map(letterLine),
          ...(page.letters.length === 0 ? ['no dead letters'] : []),
          ...(page.nextCursor ? [`older: the same command with --cursor ${page.nextCursor}`] : []),
        ].join('\n'),
      );
    }
    case 'show': {
      const [workspace, letter] = needAfter(context, action, 'WORKSPACE', 'LETTER');
      const l = await backend.deadLetter(workspace, letter);
      return result(
        l,
        [
          `dead letter ${l.id} of ${workspace}, at ${l.at}`,
          `  error:       ${l.errorCode}: ${l.reason}`,
          `  destination: ${l.destinationId ?? (l.targets ? `(before routing) ${l.targets.join(', ')}` : '-')}`,
          `  attempts:    ${l.attempts}`,
          ...(l.distinctId !== undefined ? [`  distinct_id: ${l.distinctId}`] : []),
          ...(l.mappingVersion !== undefined ? [`  mapping:     version ${l.mappingVersion}`] : []),
          `  expires:     ${l.expiresAt}`,
          l.body !== undefined
            ? `  body:        ${l.body}`
            : '  body:        shown to editors and admins only',
        ].join('\n'),
      );
    }
    case 'redrive': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const outcome = await backend.redriveDeadLetters(workspace, selectionOf(context, action));
      return result(
        outcome,
        outcomeLines(workspace, 'redriven', outcome.redriven, outcome).join('\n'),
        outcome.failed > 0 ? 1 : 0,
      );
    }
    case 'discard': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const outcome = await backend.discardDeadLetters(workspace, selectionOf(context, action));
      return result(
        outcome,
        outcomeLines(workspace, 'discarded', outcome.discarded, outcome).join('\n'),
        outcome.failed > 0 ? 1 : 0,
      );
    }
    default:
      throw new UsageError('dead-letters needs list, show, redrive or discard', 'dead-letters');
  }
};

const alerts: ApiCommand = async (context) => {
  const { backend, values } = context;
  const [action = ''] = context.args;
  switch (action) {
    case 'show': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const settings = await backend.alerts(workspace);
      const { channel } = settings;
      return result(
        settings,
        channel
          ? `${workspace}'s alerts go to ${channel.topicArn}, published through ${channel.roleArn}; dead letters alert from ${channel.deadLetterThreshold} a destination in an hour`
          : `${workspace} has no alert channel`,
      );
    }
    case 'set': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const topicArn = values['topic-arn'];
      const roleArn = values['role-arn'];
      const threshold = values['dead-letter-threshold'];
      if (values.clear && (topicArn !== undefined || roleArn !== undefined || threshold !== undefined))
        throw new UsageError('alerts set takes --clear alone', 'alerts');
      if (!values.clear && (!topicArn || !roleArn))
        throw new UsageError('alerts set needs --topic-arn ARN --role-arn ARN, or --clear', 'alerts');
      if (threshold !== undefined && !/^\d+$/.test(threshold))
        throw new UsageError('--dead-letter-threshold must be a whole number', 'alerts');
      const settings = await backend.setAlerts(
        workspace,
        values.clear || !topicArn || !roleArn
          ? null
          : { topicArn, roleArn, ...(threshold !== undefined && { deadLetterThreshold: Number(threshold) }) },
      );
      const { channel } = settings;
      return result(
        settings,
        channel
          ? `${workspace}'s alerts now go to ${channel.topicArn} (dead letters alert from ${channel.deadLetterThreshold} an hour): try it with alerts test`
          : `${workspace} is no longer alerted`,
      );
    }
    case 'test': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const answer = await backend.testAlerts(workspace);
      return answer.sent
        ? result(answer, `a test alert (AlertChannelTest) went to ${workspace}'s topic`)
        : result(answer, `the test alert was not sent: ${answer.error ?? 'no reason given'}`, 1);
    }
    default:
      throw new UsageError('alerts needs show, set or test', 'alerts');
  }
};

/** The delivery visibility commands, API only. */
export const DELIVERY_COMMANDS: Readonly<Record<string, ApiCommand>> = {
  health,
  failures,
  story,
  'dead-letters': deadLetters,
  alerts,
};
