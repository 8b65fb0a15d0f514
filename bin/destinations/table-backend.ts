import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { mappingReport, testMappings } from '../../lambda/control-plane/registry/mapping-report';
import { checkDestination } from '../../lambda/control-plane/registry/setup-check';
import { RegistryError, WorkspaceRegistry } from '../../lambda/control-plane/registry/workspace-registry';
import { toDestinationInput } from '../../lambda/control-plane/routes/destination-request';
import { DestinationClients } from '../../lambda/dispatcher/deliver/clients';
import { HmacKeys } from '../../lambda/dispatcher/prepare/hmac-keys';
import { usesHmac } from '../../lambda/shared/data-mapping';
import { type DestinationSpec, InvalidDestinationConfigError } from '../../lambda/shared/destination-config';
import { parseStaticWorkspaces, resolveWorkspace, type WorkspaceRecord } from '../../lambda/shared/workspace';
import { UsageError } from '../cli-kit';
import type {
  CheckOutcome,
  DestinationsBackend,
  DestinationView,
  MappingView,
  WorkspaceOverview,
} from './backend';
import type { DestinationRequestBody } from './destination-flags';

export interface TableBackendOptions {
  /** The registry table: the platform stack's RegistryTable output. */
  readonly tableName: string;
  /** The static config file the platform was deployed with. @default none */
  readonly staticConfigFile?: string;
  /** The setup check runs as this role, the dispatcher's. @default the caller's own credentials */
  readonly dispatcherRoleArn?: string;
}

/**
 * The operator's bootstrap: the registry table written directly with the caller's AWS credentials
 * (customers never get IAM access to the platform's tables). Changes are recorded as made by the
 * caller's IAM identity.
 */
export async function createTableBackend(options: TableBackendOptions): Promise<DestinationsBackend> {
  const staticWorkspaces = readStaticConfig(options.staticConfigFile);
  const { Arn: caller = 'unknown' } = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  const registry = new WorkspaceRegistry(
    new DynamoDBClient({}),
    options.tableName,
    caller,
    new SecretsManagerClient({}),
    undefined,
    staticWorkspaces,
  );
  return new TableBackend(registry, options.dispatcherRoleArn);
}

export class TableBackend implements DestinationsBackend {
  constructor(
    private readonly registry: WorkspaceRegistry,
    private readonly dispatcherRoleArn?: string,
  ) {}

  createWorkspace(workspace: string) {
    return this.registry.createWorkspace(workspace);
  }

  listWorkspaces() {
    return this.registry.listWorkspaces();
  }

  workspace(workspace: string) {
    return this.registry.workspace(workspace);
  }

  setWorkspaceStatus(workspace: string, status: 'active' | 'disabled') {
    return this.registry.setWorkspaceStatus(workspace, status);
  }

  addInvokeAccount(workspace: string, account: string) {
    return this.registry.addInvokeAccount(workspace, account);
  }

  async overview(workspace: string): Promise<WorkspaceOverview> {
    const [draft, live, diff] = await Promise.all([
      this.registry.draft(workspace),
      this.registry.liveRecord(workspace),
      this.registry.diff(workspace),
    ]);
    return { liveVersion: live.liveVersion, draft, live: live.destinations, diff };
  }

  async destination(workspace: string, destination: string): Promise<DestinationView> {
    const [draft, live] = await Promise.all([
      this.registry.draft(workspace),
      this.registry.liveRecord(workspace),
    ]);
    const drafted = draft.find((d) => d.id === destination) ?? null;
    const published = live.destinations.find((d) => d.id === destination) ?? null;
    if (!drafted && !published)
      throw new RegistryError(`no destination "${destination}" in ${workspace}`, 'not-found');
    return { draft: drafted, live: published, liveVersion: live.liveVersion };
  }

  /** As POST destinations does: the request's region and function name resolved, then validated. */
  async addDestination(workspace: string, request: DestinationRequestBody): Promise<DestinationSpec> {
    const { invokeAccounts } = await this.registry.liveRecord(workspace);
    return this.registry.addDestination(workspace, toDestinationInput(request, { invokeAccounts }));
  }

  /** As PATCH does: `next` replaces `current` whole, so a field it lacks is removed. */
  async updateDestination(
    workspace: string,
    current: DestinationSpec,
    next: DestinationRequestBody,
  ): Promise<DestinationSpec> {
    const { invokeAccounts } = await this.registry.liveRecord(workspace);
    const input = toDestinationInput(next, { invokeAccounts });
    const removed = Object.fromEntries(Object.keys(current).map((field) => [field, undefined]));
    return this.registry.updateDestination(workspace, current.id, { ...removed, ...input });
  }

  removeDestination(workspace: string, destination: string) {
    return this.registry.removeDestination(workspace, destination);
  }

  diff(workspace: string) {
    return this.registry.diff(workspace);
  }

  publish(workspace: string, note: string | undefined) {
    return this.registry.publish(workspace, note);
  }

  versions(workspace: string) {
    return this.registry.versions(workspace);
  }

  rollback(workspace: string, toVersion: number | undefined, note: string | undefined) {
    return this.registry.rollback(workspace, toVersion, note);
  }

  async check(workspace: string, destinationId: string, sendTestEvent: boolean): Promise<CheckOutcome> {
    const live = await this.registry.liveRecord(workspace);
    const published = live.destinations.find((d) => d.id === destinationId);
    const spec = published ?? (await this.registry.draft(workspace)).find((d) => d.id === destinationId);
    if (!spec) throw new RegistryError(`no destination "${destinationId}" in ${workspace}`, 'not-found');
    const [destination] = resolveWorkspace({ ...live, destinations: [spec] }).destinations;
    // As the dispatcher: customers' trust policies admit its role, not the operator's.
    const credentials = this.dispatcherRoleArn
      ? fromTemporaryCredentials({
          params: { RoleArn: this.dispatcherRoleArn, RoleSessionName: 'event-delivery-setup-check' },
        })
      : undefined;
    const steps = await checkDestination(destination, {
      clients: new DestinationClients({
        sessionName: 'event-delivery-setup-check',
        ...(credentials && { overrides: { credentials } }),
      }),
      sts: new STSClient(credentials ? { credentials } : {}),
      sendTestEvent,
    });
    return { source: published ? 'live' : 'draft', liveVersion: live.liveVersion, steps };
  }

  async mapping(workspace: string, destination: string): Promise<MappingView> {
    const [draft, live] = await Promise.all([
      this.registry.draft(workspace),
      this.registry.liveRecord(workspace),
    ]);
    const pick = (list: readonly DestinationSpec[]) => {
      const d = list.find((x) => x.id === destination);
      return d
        ? {
            mapping: (d.mapping as Record<string, unknown>) ?? null,
            requiredConsent: d.requiredConsent ?? null,
          }
        : null;
    };
    const shown = { draft: pick(draft), live: pick(live.destinations) };
    if (!shown.draft && !shown.live)
      throw new RegistryError(`no destination "${destination}" in ${workspace}`, 'not-found');
    return shown;
  }

  setMapping(workspace: string, destination: string, mapping: unknown) {
    return this.registry.updateDestination(workspace, destination, { mapping });
  }

  async testMappings(workspace: string, bodies: readonly string[], draft: boolean) {
    const destinations = await this.destinations(workspace, draft);
    const key = destinations.some((d) => usesHmac(d.mapping))
      ? await new HmacKeys(new SecretsManagerClient({})).key(workspace)
      : undefined;
    return testMappings(workspace, destinations, bodies, key);
  }

  async mappingReport(workspace: string, draft: boolean) {
    return mappingReport(await this.destinations(workspace, draft));
  }

  private async destinations(workspace: string, draft: boolean): Promise<DestinationSpec[]> {
    return draft
      ? this.registry.draft(workspace)
      : [...(await this.registry.liveRecord(workspace)).destinations];
  }
}

/** The deployed static config, validated as at synth: none without a file. */
function readStaticConfig(file: string | undefined): WorkspaceRecord[] {
  if (!file) return [];
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--static-config ${file}: ${(error as Error).message}`);
  }
  try {
    return parseStaticWorkspaces(config);
  } catch (error) {
    if (error instanceof InvalidDestinationConfigError)
      throw new UsageError(`--static-config ${file}: ${error.problems.join('; ')}`);
    throw error;
  }
}
