import type { DestinationDiff } from '../../lambda/control-plane/registry/destination-diff';
import type { MappingReportRow, MappingTestResult } from '../../lambda/control-plane/registry/mapping-report';
import type { CheckStep } from '../../lambda/control-plane/registry/setup-check';
import type {
  PublishedVersion,
  WorkspaceSummary,
} from '../../lambda/control-plane/registry/workspace-registry';
import type { DestinationSpec } from '../../lambda/shared/destination-config';
import type { DestinationRequestBody } from './destination-flags';

export type { DestinationDiff, MappingReportRow, MappingTestResult, PublishedVersion, WorkspaceSummary };

/** The draft against the live version, as `list` shows it. */
export interface WorkspaceOverview {
  readonly liveVersion: number;
  readonly draft: readonly DestinationSpec[];
  readonly live: readonly DestinationSpec[];
  readonly diff: DestinationDiff;
}

/** One destination as drafted and as live: null where it is not. */
export interface DestinationView {
  readonly draft: DestinationSpec | null;
  readonly live: DestinationSpec | null;
  readonly liveVersion: number;
}

export interface MappingOf {
  readonly mapping: Record<string, unknown> | null;
  readonly requiredConsent: readonly string[] | null;
}

/** A destination's mapping and required consent, drafted and live: null where it is not. */
export interface MappingView {
  readonly draft: MappingOf | null;
  readonly live: MappingOf | null;
}

export interface CheckOutcome {
  /** Which destination was checked: the live version's, or the draft's before it is published. */
  readonly source: 'live' | 'draft';
  readonly liveVersion: number;
  readonly steps: readonly CheckStep[];
}

/**
 * What the commands do to a workspace's registry, whichever way they reach it: through the
 * control-plane API (customers, and operators) or straight to the table (the operator's
 * bootstrap). Each operation refuses what the other refuses: a bad value, a missing workspace or
 * destination, a publish that lost a race.
 */
export interface DestinationsBackend {
  createWorkspace(workspace: string): Promise<WorkspaceSummary>;
  listWorkspaces(): Promise<WorkspaceSummary[]>;
  workspace(workspace: string): Promise<WorkspaceSummary>;
  setWorkspaceStatus(workspace: string, status: 'active' | 'disabled'): Promise<void>;
  addInvokeAccount(workspace: string, account: string): Promise<void>;

  overview(workspace: string): Promise<WorkspaceOverview>;
  /** Fails when the destination is neither in the draft nor live. */
  destination(workspace: string, destination: string): Promise<DestinationView>;
  addDestination(workspace: string, request: DestinationRequestBody): Promise<DestinationSpec>;
  /** Makes the draft destination `current` into `next` (fields `next` lacks are removed). */
  updateDestination(
    workspace: string,
    current: DestinationSpec,
    next: DestinationRequestBody,
  ): Promise<DestinationSpec>;
  removeDestination(workspace: string, destination: string): Promise<void>;
  diff(workspace: string): Promise<DestinationDiff>;

  publish(workspace: string, note: string | undefined): Promise<PublishedVersion>;
  versions(workspace: string): Promise<PublishedVersion[]>;
  rollback(
    workspace: string,
    toVersion: number | undefined,
    note: string | undefined,
  ): Promise<PublishedVersion>;

  check(workspace: string, destination: string, sendTestEvent: boolean): Promise<CheckOutcome>;

  mapping(workspace: string, destination: string): Promise<MappingView>;
  /** `undefined`: back to the privacy-safe defaults. */
  setMapping(workspace: string, destination: string, mapping: unknown): Promise<DestinationSpec>;
  testMappings(workspace: string, bodies: readonly string[], draft: boolean): Promise<MappingTestResult[]>;
  mappingReport(workspace: string, draft: boolean): Promise<MappingReportRow[]>;
}
