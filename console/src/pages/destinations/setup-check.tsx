import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useWorkspace } from '../../workspace/workspace-context';

type CheckStep = Schemas['CheckResult']['steps'][number];

const VERDICTS: Record<
  CheckStep['verdict'],
  { readonly indicator: StatusIndicatorProps.Type; readonly label: string }
> = {
  ok: { indicator: 'success', label: 'OK' },
  warn: { indicator: 'warning', label: 'Warning' },
  fail: { indicator: 'error', label: 'Failed' },
  skip: { indicator: 'stopped', label: 'Skipped' },
};

/**
 * The setup check of one saved destination (`POST …/check`): each step the dispatcher would take,
 * with its verdict and, when it is not ok, the fix. Optionally delivers one test event.
 */
export function SetupCheck({ destination }: { destination: string }) {
  const api = useApiClient();
  const { workspace, canEdit } = useWorkspace();
  const [sendTestEvent, setSendTestEvent] = useState(false);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<Schemas['CheckResult']>();
  const [error, setError] = useState<Error>();

  async function runCheck() {
    setRunning(true);
    setError(undefined);
    try {
      setResult(
        await call(
          api.POST('/v1/workspaces/{workspace}/destinations/{destination}/check', {
            params: { path: { workspace, destination } },
            body: { sendTestEvent },
          }),
        ),
      );
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setRunning(false);
    }
  }

  return (
    <SpaceBetween size="m">
      <FormField
        description={
          'Deliver one test event, named "Destination Setup Check", with event_properties.platform_setup_check = true: your consumer can recognise it and leave it out.'
        }
      >
        <Checkbox checked={sendTestEvent} onChange={({ detail }) => setSendTestEvent(detail.checked)}>
          Send a test event
        </Checkbox>
      </FormField>
      <Box>
        <Button
          onClick={() => void runCheck()}
          loading={running}
          disabled={!canEdit}
          disabledReason="Viewers cannot run setup checks: ask an editor or admin of this workspace."
        >
          Run check
        </Button>
      </Box>
      <ApiErrorAlert error={error} header="The check could not run" />
      {result && <CheckResult result={result} />}
    </SpaceBetween>
  );
}

function CheckResult({ result }: { result: Schemas['CheckResult'] }) {
  const failed = result.steps.filter((step) => step.verdict === 'fail').length;
  const checked = result.source === 'live' ? 'the live version' : 'the draft';
  return (
    <SpaceBetween size="s">
      {result.ok ? (
        <Alert type="success" header="The setup check passed">
          Checked as in {checked}.
        </Alert>
      ) : (
        <Alert type="error" header={`${failed} ${failed === 1 ? 'step' : 'steps'} failed`}>
          Checked as in {checked}. Apply the fixes below, then run the check again.
        </Alert>
      )}
      <Table
        variant="embedded"
        ariaLabels={{ tableLabel: 'Setup check steps' }}
        items={result.steps}
        trackBy="step"
        columnDefinitions={[
          { id: 'step', header: 'Step', isRowHeader: true, cell: (step) => step.step },
          {
            id: 'verdict',
            header: 'Verdict',
            cell: (step) => (
              <StatusIndicator type={VERDICTS[step.verdict].indicator}>
                {VERDICTS[step.verdict].label}
              </StatusIndicator>
            ),
          },
          { id: 'detail', header: 'Detail', cell: (step) => step.detail },
          { id: 'fix', header: 'Fix', cell: (step) => step.fix ?? '-' },
        ]}
        wrapLines
      />
    </SpaceBetween>
  );
}
