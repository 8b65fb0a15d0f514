import Box from '@cloudscape-design/components/box';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useApi } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';

/** How the platform may deliver to a type: through a role only, or (Lambda) also by the function's own policy. */
export type AccessMode = 'role' | 'role-or-function-policy' | 'none';

/** A type's access mode, from whether its fields ask for a delivery role and require it. */
export function accessModeOf(fields: readonly Schemas['DestinationField'][]): AccessMode {
  const role = fields.find((field) => field.name === 'roleArn');
  if (!role) return 'none';
  return role.required ? 'role' : 'role-or-function-policy';
}

/** `npm run deploy:customer -- -c key=value …`: the customer stack, which creates the role. */
export function customerStackCommand(context: Readonly<Record<string, string>>): string {
  const flags = Object.entries(context).map(([key, value]) => `  -c ${key}=${value}`);
  return ['npm run deploy:customer --', ...flags].join(' \\\n');
}

/** `aws lambda add-permission`: lets the dispatcher invoke the function without a delivery role. */
export function functionPermissionCommand(
  permission: Schemas['TrustPolicy']['lambdaPermission'],
  functionName: string,
): string {
  return [
    'aws lambda add-permission',
    `  --function-name ${functionName || '<function name or ARN>'}`,
    '  --statement-id event-delivery',
    `  --action ${permission.action}`,
    `  --principal ${permission.principal}`,
  ].join(' \\\n');
}

/**
 * What the customer sets up in their account so that the platform may deliver: the delivery
 * role's trust policy (principal, external id, the JSON) or the customer stack that creates it,
 * and for Lambda the function permission that can stand in for a role.
 */
export function TrustPolicyPanel({
  workspace,
  mode,
  functionName,
}: {
  workspace: string;
  mode: AccessMode;
  /** Lambda: the function as typed so far, for the add-permission command. */
  functionName: string;
}) {
  const policy = useApi(
    (api) => call(api.GET('/v1/workspaces/{workspace}/trust-policy', { params: { path: { workspace } } })),
    [workspace],
  );
  if (mode === 'none')
    return <Box variant="p">This destination type needs no access set up in your account.</Box>;
  if (policy.error)
    return <ApiErrorAlert error={policy.error} header="The trust policy could not be loaded" />;
  if (!policy.data) return <StatusIndicator type="loading">Loading the trust policy</StatusIndicator>;
  const trust = policy.data;
  const policyJson = JSON.stringify(trust.trustPolicy, null, 2);
  const stackCommand = customerStackCommand(trust.customerStackContext);
  return (
    <SpaceBetween size="l">
      <Box variant="p">
        The platform delivers by assuming a delivery role in your account, on the path{' '}
        <code>{trust.rolePath}</code>. Give its ARN as the Delivery role ARN.
        {mode === 'role-or-function-policy' &&
          ' For a Lambda function the role is optional: allow the dispatcher on the function instead (below).'}
      </Box>
      <KeyValuePairs
        columns={2}
        items={[
          {
            label: 'Principal (the dispatcher role)',
            value: (
              <CopyToClipboard
                variant="inline"
                textToCopy={trust.dispatcherRoleArn}
                copyButtonAriaLabel="Copy the principal"
                copySuccessText="Principal copied"
                copyErrorText="The principal could not be copied"
              />
            ),
          },
          {
            label: 'External id',
            value: (
              <CopyToClipboard
                variant="inline"
                textToCopy={trust.externalId}
                copyButtonAriaLabel="Copy the external id"
                copySuccessText="External id copied"
                copyErrorText="The external id could not be copied"
              />
            ),
          },
        ]}
      />
      <CopyableBlock
        title="Trust policy"
        description="Paste it as the delivery role's trust policy: only the dispatcher role, and only with your workspace's external id, may assume it."
        text={policyJson}
        copyLabel="Copy trust policy"
      />
      <CopyableBlock
        title="Or create the role with the customer stack"
        description="From a checkout of the platform's repository, in your account: the stack creates the delivery role (and sample topics, queues, a stream, a bus and a consumer)."
        text={stackCommand}
        copyLabel="Copy command"
      />
      {mode === 'role-or-function-policy' && (
        <CopyableBlock
          title="Or, without a role, allow the dispatcher on the function"
          description="A resource-based policy on the function lets the dispatcher invoke it directly."
          text={functionPermissionCommand(trust.lambdaPermission, functionName)}
          copyLabel="Copy add-permission command"
        />
      )}
    </SpaceBetween>
  );
}

function CopyableBlock({
  title,
  description,
  text,
  copyLabel,
}: {
  title: string;
  description: string;
  text: string;
  copyLabel: string;
}) {
  return (
    <SpaceBetween size="xs">
      <Header
        variant="h3"
        description={description}
        actions={
          <CopyToClipboard
            variant="button"
            textToCopy={text}
            copyButtonText={copyLabel}
            copySuccessText="Copied"
            copyErrorText="Could not copy"
          />
        }
      >
        {title}
      </Header>
      <Box variant="code">
        <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{text}</pre>
      </Box>
    </SpaceBetween>
  );
}
