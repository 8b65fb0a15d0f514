import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Destination } from '../shared/destination-config';
import type { ApiKeys } from './access/api-keys';
import type { Members } from './access/members';
import type { AlertSettings } from './alerts/alert-settings';
import type { ChangeContext } from './audit/audit-log';
import type { DeadLetters } from './dead-letters/dead-letters';
import type { DeliveryVisibility } from './deliveries/delivery-logs';
import type { DestinationSwitch } from './deliveries/destination-switch';
import type { CheckStep } from './registry/setup-check';
import type { WorkspaceRegistry } from './registry/workspace-registry';

/** What the API's handlers work with: created once per execution environment, mocked in tests. */
export interface ControlPlaneServices {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly members: Members;
  readonly apiKeys: ApiKeys;
  /** The registry, recording changes as made by this request's caller. */
  readonly registry: (change: ChangeContext) => WorkspaceRegistry;
  /** The setup check, as the dispatcher: customers' trust policies admit its role, not the API's. */
  readonly checkDestination: (destination: Destination, sendTestEvent: boolean) => Promise<CheckStep[]>;
  /** A workspace's key for `hmac` mappings, to test mappings exactly as the dispatcher applies them. */
  readonly hmacKey: (workspaceId: string) => Promise<Buffer>;
  /** Where people sign in: the user pool and its app client (public values, as in any web app). */
  readonly signIn: {
    readonly region: string;
    readonly userPoolId: string;
    readonly userPoolClientId: string;
  };
  /** What a customer's delivery role trusts: the platform's account and the dispatcher's role. */
  readonly platform: { readonly account: string; readonly dispatcherRoleArn: string };
  /** What the workspace's deliveries did (health, failures, an event's story), from the dispatcher's logs. */
  readonly deliveries: DeliveryVisibility;
  /** Where each workspace's alerts go, and a test alert. */
  readonly alerts: AlertSettings;
  /** Workspaces' own dead letters. @default none (no DEAD_LETTER_TABLE): the dead-letter routes answer 501 */
  readonly deadLetters?: DeadLetters;
  /** Disable and enable destinations. @default none (no DESTINATION_STATUS_TABLE): those routes answer 501 */
  readonly destinationSwitch?: DestinationSwitch;
}
