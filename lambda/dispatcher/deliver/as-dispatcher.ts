import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { DestinationClients } from './clients';

export interface AsDispatcherOptions {
  readonly dispatcherRoleArn: string;
  /** Shown in the customer's CloudTrail: what is acting as the dispatcher (`event-delivery-setup-check`). */
  readonly sessionName: string;
  readonly region: string;
  /** The caller's own credentials, that may assume the dispatcher's role. @default the SDK's chain */
  readonly masterCredentials?: STSClientConfig['credentials'];
  /** Where every call goes: the local gateway. @default AWS */
  readonly endpoint?: string;
}

/**
 * Clients that act as the dispatcher, for the code that is not the dispatcher but reaches
 * customers' accounts (the setup check, alerts): customers' trust policies admit the
 * dispatcher's role only, so this assumes it first, then each customer role with the workspace's
 * external id through the same client cache the dispatcher uses.
 */
export function clientsAsDispatcher(options: AsDispatcherOptions): {
  clients: DestinationClients;
  sts: STSClient;
} {
  const endpoint = options.endpoint ? { endpoint: options.endpoint } : {};
  const credentials = fromTemporaryCredentials({
    ...(options.masterCredentials && { masterCredentials: options.masterCredentials }),
    clientConfig: { region: options.region, ...endpoint },
    params: { RoleArn: options.dispatcherRoleArn, RoleSessionName: options.sessionName },
  });
  return {
    clients: new DestinationClients({
      sessionName: options.sessionName,
      overrides: { credentials, ...endpoint },
    }),
    sts: new STSClient({ region: options.region, credentials, ...endpoint }),
  };
}
