import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { Schemas } from '../../api/client';

/**
 * A new key's secret, the one time it can be read. It lives only in the page's memory while this
 * shows: dismissing it forgets the secret, and nothing writes it to storage.
 */
export function NewApiKeyAlert({
  created,
  onDismiss,
}: {
  created: Schemas['CreatedApiKey'];
  onDismiss: () => void;
}) {
  return (
    <Alert
      type="warning"
      header={`Copy the key "${created.apiKey.name}" now`}
      dismissible
      onDismiss={onDismiss}
      i18nStrings={{ dismissAriaLabel: 'Dismiss the key' }}
      action={<Button onClick={onDismiss}>I have copied the key</Button>}
    >
      <SpaceBetween size="s">
        <Box variant="p">
          This is the only time the key is shown: it cannot be shown again. Keep it where the machine that
          uses it keeps its secrets; if it is lost, revoke it and create another.
        </Box>
        <CopyToClipboard
          variant="inline"
          textToCopy={created.key}
          copyButtonAriaLabel="Copy the key"
          copySuccessText="Key copied"
          copyErrorText="The key could not be copied: select it and copy it by hand"
        />
      </SpaceBetween>
    </Alert>
  );
}
