import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import Wizard, { type WizardProps } from '@cloudscape-design/components/wizard';
import { useMemo, useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { ApiError, call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useWorkspace } from '../../workspace/workspace-context';
import { DestinationFields } from './destination-fields';
import {
  type DestinationTypeInfo,
  destinationRequest,
  type FieldErrors,
  type FieldValue,
  type FieldValues,
  formErrors,
  type GivenAs,
  type GivenAsChoices,
  initialGivenAs,
  initialValues,
  problemsByField,
} from './destination-form';
import { DestinationReview } from './destination-review';
import { typeDescription, typeLabel } from './destination-types';
import { accessModeOf, TrustPolicyPanel } from './trust-policy-panel';

const STEP = { type: 0, configure: 1, access: 2, review: 3 } as const;
const VIEWER_REASON = 'Viewers cannot add destinations: ask an editor or admin of this workspace.';

/**
 * Type, fields, access, review, then "Save to draft". The setup check is not a step: the API
 * checks only a destination it has (setup.ts looks it up in the live version, else the draft),
 * so the check follows the save, on the page that `onSaved` shows.
 */
export function AddDestinationWizard({
  types,
  onCancel,
  onSaved,
}: {
  types: readonly DestinationTypeInfo[];
  onCancel(): void;
  onSaved(destination: Schemas['Destination']): void;
}) {
  const api = useApiClient();
  const { workspace, canEdit } = useWorkspace();
  const [activeStep, setActiveStep] = useState<number>(STEP.type);
  const [type, setType] = useState<string>();
  const [values, setValues] = useState<FieldValues>({});
  const [givenAs, setGivenAs] = useState<GivenAsChoices>({});
  // Empty required fields are pointed out only once the person tries to go on, not while they start typing.
  const [showMissing, setShowMissing] = useState({ type: false, fields: false });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<Error>();
  const [apiProblems, setApiProblems] = useState<FieldErrors>({});

  const fields = useMemo(() => types.find((entry) => entry.type === type)?.fields ?? [], [types, type]);
  const typedErrors = formErrors(fields, values, givenAs, { missing: showMissing.fields });
  const errors: FieldErrors = { ...apiProblems, ...typedErrors };

  function chooseType(chosen: string) {
    const chosenFields = types.find((entry) => entry.type === chosen)?.fields ?? [];
    setType(chosen);
    setValues((current) => initialValues(chosenFields, current));
    setGivenAs((current) => ({ ...initialGivenAs(chosenFields), ...current }));
    setApiProblems({});
    setSaveError(undefined);
  }

  function change(name: string, value: FieldValue) {
    setValues((current) => ({ ...current, [name]: value }));
    // The API's word on a field stands until the field is changed.
    setApiProblems(({ [name]: _answered, ...rest }) => rest);
  }

  function changeGivenAs(name: string, choice: GivenAs) {
    setGivenAs((current) => ({ ...current, [name]: choice }));
    setApiProblems(({ [name]: _answered, ...rest }) => rest);
  }

  /** Whether `step` is complete; when it is not, its errors are shown. */
  function complete(step: number): boolean {
    if (step === STEP.type && !type) {
      setShowMissing((shown) => ({ ...shown, type: true }));
      return false;
    }
    if (
      step === STEP.configure &&
      Object.keys(formErrors(fields, values, givenAs, { missing: true })).length > 0
    ) {
      setShowMissing((shown) => ({ ...shown, fields: true }));
      return false;
    }
    return true;
  }

  function navigate({ requestedStepIndex }: WizardProps.NavigateDetail) {
    for (let step = activeStep; step < requestedStepIndex; step++)
      if (!complete(step)) {
        setActiveStep(step);
        return;
      }
    setActiveStep(requestedStepIndex);
  }

  async function save() {
    if (!canEdit || !type || !complete(STEP.type) || !complete(STEP.configure)) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      const saved = await call(
        api.POST('/v1/workspaces/{workspace}/destinations', {
          params: { path: { workspace } },
          body: destinationRequest(type, fields, values, givenAs),
        }),
      );
      onSaved(saved);
    } catch (failure) {
      setSaveError(failure as Error);
      // Against every field of the type: a problem with a field given by its parts shows on the choice.
      const onFields = problemsByField(failure instanceof ApiError ? failure.problems : [], fields);
      setApiProblems(onFields);
      // Back to the fields the API named, where each shows its problem.
      if (Object.keys(onFields).length > 0) setActiveStep(STEP.configure);
    } finally {
      setSaving(false);
    }
  }

  const saveErrorAlert = <ApiErrorAlert error={saveError} header="The destination could not be saved" />;
  const steps: WizardProps.Step[] = [
    {
      title: 'Choose a type',
      description: 'Where the events go: a resource in your AWS account.',
      content: (
        <Container>
          <FormField
            label="Destination type"
            errorText={showMissing.type && !type ? 'Choose a destination type' : undefined}
            stretch
          >
            <Tiles
              value={type ?? null}
              onChange={({ detail }) => chooseType(detail.value)}
              columns={3}
              items={types.map((entry) => ({
                value: entry.type,
                label: typeLabel(entry.type),
                description: typeDescription(entry.type),
              }))}
            />
          </FormField>
        </Container>
      ),
    },
    {
      title: 'Configure',
      description: 'The resource, and which events it receives.',
      content: (
        <SpaceBetween size="m">
          {saveErrorAlert}
          <Container header={<Header variant="h2">{type ? typeLabel(type) : 'Destination'}</Header>}>
            <DestinationFields
              fields={fields}
              values={values}
              givenAs={givenAs}
              errors={errors}
              onChange={change}
              onGivenAsChange={changeGivenAs}
            />
          </Container>
        </SpaceBetween>
      ),
    },
    {
      title: 'Set up access',
      description: 'Let the platform deliver to the resource in your account.',
      content: (
        <Container>
          <TrustPolicyPanel
            workspace={workspace}
            mode={accessModeOf(fields)}
            functionName={String(values.functionName || values.functionArn || '')}
          />
        </Container>
      ),
    },
    {
      title: 'Review and save',
      content: (
        <SpaceBetween size="m">
          {saveErrorAlert}
          {type && (
            <Container header={<Header variant="h2">Destination</Header>}>
              <DestinationReview type={type} fields={fields} values={values} givenAs={givenAs} />
            </Container>
          )}
        </SpaceBetween>
      ),
    },
  ];

  return (
    <SpaceBetween size="m">
      {!canEdit && (
        <Alert type="info" header="You can look, not save">
          {VIEWER_REASON}
        </Alert>
      )}
      <Wizard
        steps={steps}
        activeStepIndex={activeStep}
        onNavigate={({ detail }) => navigate(detail)}
        onCancel={onCancel}
        onSubmit={() => void save()}
        isLoadingNextStep={saving}
        submitButtonText="Save to draft"
        i18nStrings={{
          stepNumberLabel: (number) => `Step ${number}`,
          collapsedStepsLabel: (number, count) => `Step ${number} of ${count}`,
          navigationAriaLabel: 'Steps',
          cancelButton: 'Cancel',
          previousButton: 'Previous',
          nextButton: 'Next',
          optional: 'optional',
        }}
        // The Wizard's own submit cannot be disabled: a viewer's last step gets the same buttons, Save disabled.
        customPrimaryActions={
          !canEdit && activeStep === STEP.review ? (
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={onCancel}>
                Cancel
              </Button>
              <Button onClick={() => setActiveStep(STEP.access)}>Previous</Button>
              <Button variant="primary" disabled disabledReason={VIEWER_REASON}>
                Save to draft
              </Button>
            </SpaceBetween>
          ) : undefined
        }
      />
    </SpaceBetween>
  );
}
