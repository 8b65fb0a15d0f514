import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import type { CSSProperties } from 'react';
import { useApi } from '../../../api/api-context';
import { call, type Schemas } from '../../../api/client';
import { ApiErrorAlert } from '../../../components/api-error-alert';
import { useWorkspace } from '../../../workspace/workspace-context';
import type { Mapping } from './mapping-form';
import { type ChangeKind, payloadChanges } from './payload-changes';

type Result = Schemas['MappingTestResult']['results'][number];

const OUTCOME: Record<Result['outcome'], { type: StatusIndicatorProps.Type; text: string }> = {
  delivered: { type: 'success', text: 'Delivered' },
  'not routed': {
    type: 'info',
    text: "Not routed: it does not take this event (its events list, or the message's destinations)",
  },
  'blocked by consent': { type: 'warning', text: 'Blocked by consent' },
  invalid: { type: 'error', text: 'Invalid event' },
};

const BADGE: Record<ChangeKind, 'blue' | 'red' | 'green' | 'grey' | 'severity-medium'> = {
  hashed: 'blue',
  redacted: 'red',
  dropped: 'red',
  'set to null': 'severity-medium',
  renamed: 'green',
  changed: 'grey',
};

/**
 * The payload's long lines (a hash, a long string) wrap inside the page instead of widening it:
 * Cloudscape's `pre` keeps lines whole and has no option to wrap them.
 */
const WRAPPED: CSSProperties = { whiteSpace: 'pre-wrap', wordBreak: 'break-word', overflowWrap: 'anywhere' };

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Exactly what this destination would receive of the sample: the API runs it with the
 * dispatcher's own compiled mapping (`POST …/mapping/test`), so a hash or an HMAC is the real one,
 * and with the rules as edited in place of the saved ones (its `candidate`), checked as saving
 * would check them. Rendered by editors only: the API lets no viewer test mappings.
 */
export function MappingPreview({
  destination,
  sample,
  draft,
  savedMapping,
  edited,
}: {
  readonly destination: string;
  /** The sample ingest message as typed: the API says what is wrong with it. */
  readonly sample: string;
  /** Test the draft's destination (else the live one). */
  readonly draft: boolean;
  /** The mapping saved: what the preview runs when nothing is edited. */
  readonly savedMapping: Mapping | null;
  /** The rules as edited, not yet saved. */
  readonly edited?: Schemas['MappingRequest'];
}) {
  const { workspace } = useWorkspace();
  const candidate = edited && { destination, ...edited };
  const test = useApi(
    (api) =>
      call(
        api.POST('/v1/workspaces/{workspace}/mapping/test', {
          params: { path: { workspace } },
          body: { events: [sample], draft, ...(candidate && { candidate }) },
        }),
      ),
    [workspace, sample, draft, JSON.stringify(candidate)],
  );
  // Renames are told from drops by the mapping that ran.
  const mapping = (edited ? edited.mapping : savedMapping) as Mapping | null;
  const result = test.data?.results.find(
    (entry) => entry.destination === destination || entry.destination === '*',
  );
  if (test.error) return <ApiErrorAlert error={test.error} header="The preview failed" />;
  if (!result)
    return <StatusIndicator type="loading">Running the sample through the mapping</StatusIndicator>;
  const outcome = OUTCOME[result.outcome];
  const changes = result.payload ? payloadChanges(parsed(sample), result.payload, mapping) : [];
  return (
    <SpaceBetween size="m">
      <StatusIndicator type={test.loading ? 'loading' : outcome.type}>
        {outcome.text}
        {result.reason ? `: ${result.reason}` : ''}
      </StatusIndicator>
      {result.payload && (
        <>
          <Table
            variant="embedded"
            header={<Box variant="h3">What the mapping changed</Box>}
            items={changes}
            columnDefinitions={[
              { id: 'path', header: 'Property', cell: (change) => <Box variant="code">{change.path}</Box> },
              {
                id: 'kind',
                header: 'Change',
                cell: (change) => (
                  <Badge color={BADGE[change.kind]}>
                    {change.renamedTo ? `renamed to ${change.renamedTo}` : change.kind}
                  </Badge>
                ),
              },
              {
                id: 'after',
                header: 'Sent as',
                cell: (change) => (change.kind === 'dropped' ? 'not sent' : JSON.stringify(change.after)),
              },
            ]}
            empty="Everything goes out as the sample has it."
            wrapLines
          />
          <Box variant="h3">Payload the destination receives</Box>
          <Box variant="pre">
            <span data-testid="mapped-payload" style={WRAPPED}>
              {JSON.stringify(result.payload, null, 2)}
            </span>
          </Box>
        </>
      )}
    </SpaceBetween>
  );
}
