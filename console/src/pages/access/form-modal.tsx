import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';
import { ApiErrorAlert } from '../../components/api-error-alert';

/**
 * A small form in a modal: its fields, the API's refusal under them, Cancel and a submit button.
 * The buttons sit inside the `<form>` (not the modal's footer) so Enter in a field submits it too;
 * the browser's own validation is off so that what the person reads is the API's word on each field.
 */
export function FormModal({
  header,
  submitLabel,
  busy,
  error,
  onSubmit,
  onDismiss,
  children,
}: {
  header: string;
  submitLabel: string;
  busy: boolean;
  error: Error | undefined;
  onSubmit: () => void;
  onDismiss: () => void;
  children: ReactNode;
}) {
  return (
    <Modal visible header={header} onDismiss={onDismiss}>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) onSubmit();
        }}
      >
        <Form
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button formAction="none" variant="link" onClick={onDismiss}>
                Cancel
              </Button>
              <Button variant="primary" loading={busy}>
                {submitLabel}
              </Button>
            </SpaceBetween>
          }
        >
          <SpaceBetween size="m">
            {children}
            <ApiErrorAlert error={error} />
          </SpaceBetween>
        </Form>
      </form>
    </Modal>
  );
}
