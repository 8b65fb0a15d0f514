import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useApi, useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { ConfirmModal } from '../../components/confirm-modal';
import { useNotify } from '../../components/notifications';
import { Timestamp } from '../../components/time';
import { useWorkspace } from '../../workspace/workspace-context';
import { AdminsOnly } from './admins-only';
import { ApiKeyStatus } from './api-key-status';
import { CreateApiKeyModal } from './create-api-key-modal';
import { ManagedListHeader } from './managed-list-header';
import { NewApiKeyAlert } from './new-api-key-alert';

type ApiKey = Schemas['ApiKey'];

/** The workspace's API keys for machines: admins create them (the secret shown once) and revoke them. */
export function ApiKeysPage() {
  const { isAdmin } = useWorkspace();
  return isAdmin ? <ManageApiKeys /> : <AdminsOnly title="API keys" what="API keys" />;
}

const newestFirst = (a: ApiKey, b: ApiKey) => b.createdAt.localeCompare(a.createdAt);

function ManageApiKeys() {
  const api = useApiClient();
  const notify = useNotify();
  const { workspace } = useWorkspace();
  const keys = useApi(
    (client) => call(client.GET('/v1/workspaces/{workspace}/api-keys', { params: { path: { workspace } } })),
    [workspace],
  );
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey>();
  // Tagged with its workspace: this page stays mounted when the person switches workspace, and one
  // workspace's secret must not show on another's page.
  const [created, setCreated] = useState<{ workspace: string; created: Schemas['CreatedApiKey'] }>();

  const revoke = async (apiKey: ApiKey) => {
    await call(
      api.DELETE('/v1/workspaces/{workspace}/api-keys/{key}', {
        params: { path: { workspace, key: apiKey.id } },
      }),
    );
    setRevoking(undefined);
    notify({ type: 'success', content: `Revoked the API key ${apiKey.name} (${apiKey.prefix}).` });
    keys.reload();
  };

  return (
    <SpaceBetween size="m">
      {created?.workspace === workspace && (
        <NewApiKeyAlert created={created.created} onDismiss={() => setCreated(undefined)} />
      )}
      <ApiErrorAlert error={keys.error} header="The API keys could not be loaded" />
      <Table
        wrapLines
        variant="full-page"
        header={
          <ManagedListHeader
            title="API keys"
            count={keys.data?.apiKeys.length}
            description="Keys let machines call the API with a role of their own. Revoked keys stay listed."
            addLabel="Create API key"
            onAdd={() => setCreating(true)}
            onRefresh={keys.reload}
          />
        }
        loading={keys.loading && !keys.data}
        loadingText="Loading API keys"
        items={[...(keys.data?.apiKeys ?? [])].sort(newestFirst)}
        trackBy="id"
        empty={<Box textAlign="center">No API keys yet.</Box>}
        columnDefinitions={[
          { id: 'name', header: 'Name', cell: (apiKey) => apiKey.name, isRowHeader: true },
          { id: 'prefix', header: 'Prefix', cell: (apiKey) => <code>{apiKey.prefix}</code> },
          { id: 'role', header: 'Role', cell: (apiKey) => apiKey.role },
          { id: 'status', header: 'Status', cell: (apiKey) => <ApiKeyStatus apiKey={apiKey} /> },
          { id: 'created', header: 'Created', cell: (apiKey) => <Timestamp at={apiKey.createdAt} /> },
          {
            id: 'expires',
            header: 'Expires',
            cell: (apiKey) => <Timestamp at={apiKey.expiresAt} absent="Never" />,
          },
          {
            id: 'last-used',
            header: 'Last used',
            cell: (apiKey) => <Timestamp at={apiKey.lastUsedAt} absent="Never" />,
          },
          {
            id: 'actions',
            header: 'Actions',
            cell: (apiKey) =>
              apiKey.revokedAt ? null : (
                <Button
                  variant="inline-link"
                  ariaLabel={`Revoke ${apiKey.name}`}
                  onClick={() => setRevoking(apiKey)}
                >
                  Revoke
                </Button>
              ),
          },
        ]}
      />
      {creating && (
        <CreateApiKeyModal
          onDismiss={() => setCreating(false)}
          onCreated={(answer) => {
            setCreating(false);
            setCreated({ workspace, created: answer });
            keys.reload();
          }}
        />
      )}
      {revoking && (
        <ConfirmModal
          header="Revoke API key"
          confirmLabel="Revoke"
          onConfirm={() => revoke(revoking)}
          onDismiss={() => setRevoking(undefined)}
        >
          Revoke <b>{revoking.name}</b> (<code>{revoking.prefix}</code>)? Every call with it is refused from
          now on; this cannot be undone.
        </ConfirmModal>
      )}
    </SpaceBetween>
  );
}
