import Alert from '@cloudscape-design/components/alert';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useWorkspace } from '../../workspace/workspace-context';

/**
 * What a non-admin sees on an admin's page (the navigation hides it, a typed URL still reaches it):
 * the refusal in words, before the API answers it with a 403.
 */
export function AdminsOnly({ title, what }: { title: string; what: string }) {
  const { workspace, role } = useWorkspace();
  return (
    <SpaceBetween size="m">
      <Header variant="h1">{title}</Header>
      <Alert type="info" header={`Only admins manage ${what}`}>
        Your role in {workspace} is {role}. Ask an admin of the workspace if you need a change.
      </Alert>
    </SpaceBetween>
  );
}
