import StatusIndicator from '@cloudscape-design/components/status-indicator';
import type { Schemas } from '../../api/client';

/** Whether a key still opens the API: revoked and expired keys are listed but refused. */
export function ApiKeyStatus({ apiKey, now = new Date() }: { apiKey: Schemas['ApiKey']; now?: Date }) {
  if (apiKey.revokedAt) return <StatusIndicator type="stopped">Revoked</StatusIndicator>;
  if (apiKey.expiresAt && Date.parse(apiKey.expiresAt) <= now.getTime())
    return <StatusIndicator type="stopped">Expired</StatusIndicator>;
  return <StatusIndicator type="success">Active</StatusIndicator>;
}
