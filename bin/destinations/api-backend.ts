import type * as z from 'zod';
import type { ApiKeySummary } from '../../lambda/control-plane/access/api-keys';
import type { Member } from '../../lambda/control-plane/access/members';
import type { Role } from '../../lambda/control-plane/access/roles';
import type { AuditPage } from '../../lambda/control-plane/audit/audit-log';
import type {
  DeadLetterFilter,
  DeadLetterPage,
  DeadLetterView,
  DiscardOutcome,
  RedriveOutcome,
} from '../../lambda/control-plane/dead-letters/dead-letters';
import { diffDestinations } from '../../lambda/control-plane/registry/destination-diff';
import type {
  EventStorySchema,
  FailuresSchema,
  WorkspaceHealthSchema,
} from '../../lambda/control-plane/routes/deliveries';
import type { AlertChannel } from '../../lambda/shared/alert-channel';
import type { DestinationSpec } from '../../lambda/shared/destination-config';
import { type ApiClient, apiPath } from './api-client';
import type {
  CheckOutcome,
  DestinationDiff,
  DestinationsBackend,
  DestinationView,
  MappingReportRow,
  MappingTestResult,
  MappingView,
  PublishedVersion,
  WorkspaceOverview,
  WorkspaceSummary,
} from './backend';
import { changedFields, type DestinationRequestBody } from './destination-flags';

/** The API's test events per request at most (MAX_TEST_EVENTS of POST mapping/test). */
export const TEST_EVENTS_PER_REQUEST = 100;

interface DraftListing {
  readonly workspace: string;
  readonly liveVersion: number;
  readonly draftRevision: number;
  readonly destinations: readonly { readonly destination: DestinationSpec; readonly status: string }[];
  readonly removed: readonly string[];
}

export interface SignInConfig {
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

export interface Me {
  readonly userId: string;
  readonly username: string;
  readonly operator: boolean;
  readonly workspaces: readonly { readonly workspace: string; readonly role: Role }[];
}

export interface DestinationTypeFields {
  readonly type: string;
  readonly fifo?: boolean;
  readonly fields: readonly {
    readonly name: string;
    readonly label: string;
    readonly description: string;
    readonly required: boolean;
    readonly kind: string;
    readonly options?: readonly string[];
    readonly default?: string;
    readonly example?: string | readonly string[];
    readonly or?: readonly string[];
  }[];
}

export interface TrustPolicy {
  readonly platformAccountId: string;
  readonly dispatcherRoleArn: string;
  readonly externalId: string;
  readonly rolePath: string;
  readonly trustPolicy: Record<string, unknown>;
  readonly customerStackContext: Record<string, string>;
  readonly lambdaPermission: { readonly principal: string; readonly action: string };
  readonly resources: readonly string[];
}

export interface CreatedApiKey {
  readonly key: string;
  readonly apiKey: ApiKeySummary;
}

export type WorkspaceHealth = z.infer<typeof WorkspaceHealthSchema>;
export type DestinationHealth = WorkspaceHealth['destinations'][number];
export type DeliveryFigures = WorkspaceHealth['totals'];
export type DeliveryFailures = z.infer<typeof FailuresSchema>;
export type EventStory = z.infer<typeof EventStorySchema>;

/** The letters a redrive or discard takes: these ids, or all matching a filter (`{}`: all). */
export type DeadLetterSelection =
  | { readonly letters: readonly string[] }
  | { readonly filter: DeadLetterFilter };

/** `GET`/`PUT …/alerts`: where the workspace's alerts go, null when nowhere. */
export interface AlertSettings {
  readonly channel: AlertChannel | null;
}

export interface AlertTestResult {
  readonly sent: boolean;
  readonly error?: string;
}

/** A window of delivery visibility: the API applies its own when left out. */
export type DeliveryWindow = 'hour' | 'day' | 'week';

export type {
  ApiKeySummary,
  AuditPage,
  DeadLetterFilter,
  DeadLetterPage,
  DeadLetterView,
  DiscardOutcome,
  Member,
  RedriveOutcome,
};

/**
 * The commands' operations over the control-plane API: each is one route (two where the command
 * shows more than one route answers), with the caller's credential. The API decides who may do
 * what; the CLI only asks.
 */
export class ApiBackend implements DestinationsBackend {
  constructor(private readonly api: ApiClient) {}

  private async get<T>(path: string, query?: Record<string, string | undefined>): Promise<T> {
    return (await this.api.call<T>('GET', path, { query })).json;
  }

  private async send<T>(method: string, path: string, body?: unknown, ifMatch?: string): Promise<T> {
    return (await this.api.call<T>(method, path, { body, ifMatch })).json;
  }

  // Workspaces (operators; show is any member's)

  createWorkspace(workspace: string) {
    return this.send<WorkspaceSummary>('POST', '/v1/workspaces', { id: workspace });
  }

  async listWorkspaces() {
    return (await this.get<{ workspaces: WorkspaceSummary[] }>('/v1/workspaces')).workspaces;
  }

  workspace(workspace: string) {
    return this.get<WorkspaceSummary>(apiPath`/v1/workspaces/${workspace}`);
  }

  async setWorkspaceStatus(workspace: string, status: 'active' | 'disabled') {
    const action = status === 'disabled' ? 'disable' : 'enable';
    await this.send('POST', apiPath`/v1/workspaces/${workspace}/${action}`);
  }

  async addInvokeAccount(workspace: string, account: string) {
    await this.send('POST', apiPath`/v1/workspaces/${workspace}/invoke-accounts`, { account });
  }

  // The draft

  /** The draft (GET destinations) and the live version's content (immutable, so the two agree). */
  async overview(workspace: string): Promise<WorkspaceOverview> {
    const listing = await this.listing(workspace);
    const live =
      listing.liveVersion > 0
        ? (
            await this.get<PublishedVersion>(
              apiPath`/v1/workspaces/${workspace}/versions/${listing.liveVersion}`,
            )
          ).destinations
        : [];
    const draft = listing.destinations.map((d) => d.destination);
    return { liveVersion: listing.liveVersion, draft, live, diff: diffDestinations(live, draft) };
  }

  destination(workspace: string, destination: string) {
    return this.get<DestinationView>(apiPath`/v1/workspaces/${workspace}/destinations/${destination}`);
  }

  addDestination(workspace: string, request: DestinationRequestBody) {
    return this.send<DestinationSpec>('POST', apiPath`/v1/workspaces/${workspace}/destinations`, request);
  }

  /** PATCH with only what changed: someone else's change to another field in between stands. */
  updateDestination(workspace: string, current: DestinationSpec, next: DestinationRequestBody) {
    return this.send<DestinationSpec>(
      'PATCH',
      apiPath`/v1/workspaces/${workspace}/destinations/${current.id}`,
      changedFields(current, next),
    );
  }

  async removeDestination(workspace: string, destination: string) {
    await this.send('DELETE', apiPath`/v1/workspaces/${workspace}/destinations/${destination}`);
  }

  diff(workspace: string) {
    return this.get<DestinationDiff>(apiPath`/v1/workspaces/${workspace}/diff`);
  }

  // Versions: publish and rollback only over the live version just read (If-Match; else 412)

  async publish(workspace: string, note: string | undefined) {
    const liveTag = await this.liveVersionTag(workspace);
    return this.send<PublishedVersion>(
      'POST',
      apiPath`/v1/workspaces/${workspace}/publish`,
      { note },
      liveTag,
    );
  }

  async versions(workspace: string) {
    return (await this.get<{ versions: PublishedVersion[] }>(apiPath`/v1/workspaces/${workspace}/versions`))
      .versions;
  }

  async rollback(workspace: string, toVersion: number | undefined, note: string | undefined) {
    const liveTag = await this.liveVersionTag(workspace);
    return this.send<PublishedVersion>(
      'POST',
      apiPath`/v1/workspaces/${workspace}/rollback`,
      { toVersion, note },
      liveTag,
    );
  }

  // The setup check, run by the API as the dispatcher

  async check(workspace: string, destination: string, sendTestEvent: boolean): Promise<CheckOutcome> {
    const [checked, summary] = await Promise.all([
      this.send<{ source: 'live' | 'draft'; steps: CheckOutcome['steps'] }>(
        'POST',
        apiPath`/v1/workspaces/${workspace}/destinations/${destination}/check`,
        { sendTestEvent },
      ),
      this.workspace(workspace),
    ]);
    return { source: checked.source, liveVersion: summary.liveVersion, steps: checked.steps };
  }

  // Data mapping

  mapping(workspace: string, destination: string) {
    return this.get<MappingView>(apiPath`/v1/workspaces/${workspace}/destinations/${destination}/mapping`);
  }

  setMapping(workspace: string, destination: string, mapping: unknown) {
    return this.send<DestinationSpec>(
      'PUT',
      apiPath`/v1/workspaces/${workspace}/destinations/${destination}/mapping`,
      { mapping: mapping ?? null },
    );
  }

  /** In requests of at most TEST_EVENTS_PER_REQUEST events, numbered as one file. */
  async testMappings(workspace: string, bodies: readonly string[], draft: boolean) {
    const results: MappingTestResult[] = [];
    for (let start = 0; start < bodies.length; start += TEST_EVENTS_PER_REQUEST) {
      const answer = await this.send<{ results: MappingTestResult[] }>(
        'POST',
        apiPath`/v1/workspaces/${workspace}/mapping/test`,
        { events: bodies.slice(start, start + TEST_EVENTS_PER_REQUEST), draft },
      );
      results.push(...answer.results.map((r) => ({ ...r, line: r.line + start })));
    }
    return results;
  }

  async mappingReport(workspace: string, draft: boolean) {
    const answer = await this.get<{ rows: MappingReportRow[] }>(
      apiPath`/v1/workspaces/${workspace}/mapping/export`,
      {
        format: 'json',
        draft: draft ? 'true' : undefined,
      },
    );
    return answer.rows;
  }

  // The API's own: sign-in, access, audit, setup help

  signInConfig() {
    return this.get<SignInConfig>('/v1/sign-in');
  }

  me() {
    return this.get<Me>('/v1/me');
  }

  async destinationTypes(workspace: string) {
    return (
      await this.get<{ types: DestinationTypeFields[] }>(
        apiPath`/v1/workspaces/${workspace}/destination-types`,
      )
    ).types;
  }

  trustPolicy(workspace: string) {
    return this.get<TrustPolicy>(apiPath`/v1/workspaces/${workspace}/trust-policy`);
  }

  async members(workspace: string) {
    return (await this.get<{ members: Member[] }>(apiPath`/v1/workspaces/${workspace}/members`)).members;
  }

  inviteMember(workspace: string, email: string, role: string) {
    return this.send<Member>('POST', apiPath`/v1/workspaces/${workspace}/members`, { email, role });
  }

  setMemberRole(workspace: string, userId: string, role: string) {
    return this.send<Member>('PATCH', apiPath`/v1/workspaces/${workspace}/members/${userId}`, { role });
  }

  async removeMember(workspace: string, userId: string) {
    await this.send('DELETE', apiPath`/v1/workspaces/${workspace}/members/${userId}`);
  }

  async apiKeys(workspace: string) {
    return (await this.get<{ apiKeys: ApiKeySummary[] }>(apiPath`/v1/workspaces/${workspace}/api-keys`))
      .apiKeys;
  }

  createApiKey(workspace: string, request: { name: string; role: string; expiresAt?: string }) {
    return this.send<CreatedApiKey>('POST', apiPath`/v1/workspaces/${workspace}/api-keys`, request);
  }

  revokeApiKey(workspace: string, keyId: string) {
    return this.send<ApiKeySummary>('DELETE', apiPath`/v1/workspaces/${workspace}/api-keys/${keyId}`);
  }

  auditEvents(workspace: string, page: { limit?: string; cursor?: string }) {
    return this.get<AuditPage>(apiPath`/v1/workspaces/${workspace}/audit-events`, page);
  }

  // Delivery visibility: health, failures, an event's story (read from the dispatcher's logs)

  health(workspace: string, window: DeliveryWindow | undefined) {
    return this.get<WorkspaceHealth>(apiPath`/v1/workspaces/${workspace}/health`, { window });
  }

  failures(workspace: string, destination: string, query: { limit?: string; window?: DeliveryWindow }) {
    return this.get<DeliveryFailures>(
      apiPath`/v1/workspaces/${workspace}/destinations/${destination}/failures`,
      query,
    );
  }

  story(workspace: string, distinctId: string, query: { visitorId?: string; window?: DeliveryWindow }) {
    return this.get<EventStory>(apiPath`/v1/workspaces/${workspace}/events/${distinctId}`, query);
  }

  // The workspace's dead letters

  deadLetters(workspace: string, query: DeadLetterFilter & { limit?: string; cursor?: string }) {
    return this.get<DeadLetterPage>(apiPath`/v1/workspaces/${workspace}/dead-letters`, { ...query });
  }

  deadLetter(workspace: string, letter: string) {
    return this.get<DeadLetterView>(apiPath`/v1/workspaces/${workspace}/dead-letters/${letter}`);
  }

  redriveDeadLetters(workspace: string, selection: DeadLetterSelection) {
    return this.send<RedriveOutcome>(
      'POST',
      apiPath`/v1/workspaces/${workspace}/dead-letters/redrive`,
      selection,
    );
  }

  discardDeadLetters(workspace: string, selection: DeadLetterSelection) {
    return this.send<DiscardOutcome>(
      'POST',
      apiPath`/v1/workspaces/${workspace}/dead-letters/discard`,
      selection,
    );
  }

  // Alerts

  alerts(workspace: string) {
    return this.get<AlertSettings>(apiPath`/v1/workspaces/${workspace}/alerts`);
  }

  /** The channel (the API applies its own dead-letter threshold when left out), or null: none. */
  setAlerts(
    workspace: string,
    channel: { topicArn: string; roleArn: string; deadLetterThreshold?: number } | null,
  ) {
    return this.send<AlertSettings>('PUT', apiPath`/v1/workspaces/${workspace}/alerts`, { channel });
  }

  testAlerts(workspace: string) {
    return this.send<AlertTestResult>('POST', apiPath`/v1/workspaces/${workspace}/alerts/test`);
  }

  private listing(workspace: string) {
    return this.get<DraftListing>(apiPath`/v1/workspaces/${workspace}/destinations`);
  }

  /** The live version as GET destinations tags it, for If-Match. */
  private async liveVersionTag(workspace: string): Promise<string> {
    const answer = await this.api.call<DraftListing>(
      'GET',
      apiPath`/v1/workspaces/${workspace}/destinations`,
    );
    return answer.etag ?? `"${answer.json.liveVersion}"`;
  }
}
