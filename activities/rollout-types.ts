/**
 * Inputs and outputs of the rollout activities. Plain data: they cross the workflow boundary and are
 * recorded in history, so workflows import this file (types only) too.
 */
import type { BindingValue, CellRoutingState, DrainPolicy, Estate, ForeignFile, LbEdit, SmokeTest } from '../src/model';
import type { EjbProbeResult } from '../src/drivers/java-client/java-client';
import type { FileEdit } from '../src/drivers/config-file/foreign-edit';
import type { BlobRef } from '../src/drivers/blob-store/blob-store';
import type { EditionActivities } from './edition-types';
import type { LbActivities } from './lb-types';
import type { AppServerStartActivities } from './app-server-start-types';

/** A routing snapshot of the IP sprayer, as the sprayer driver takes it. */
export interface RoutingSnapshot {
  backend: string;
  servers: { name: string; cell?: string; state: CellRoutingState; weight: number }[];
  affinity: Record<string, string>;
}

/**
 * The sprayer after a routing change, counted by state: the driver has read it back, and the whole
 * snapshot (thousands of servers) would be written to history with every change.
 */
export type RoutingCounts = { servers: number } & Partial<Record<CellRoutingState, number>>;

export interface RouteCellInput {
  estate: Estate;
  cell: string;
  state: CellRoutingState;
}

export interface RestoreRoutingInput {
  estate: Estate;
  /** The routing before the rollout. */
  snapshot: RoutingSnapshot;
  /** Cells still holding N+1: they keep their sessions but take no new ones until repaired. */
  hold: string[];
}

export interface DrainInput {
  estate: Estate;
  stepId: string;
  servers: string[];
  policy: DrainPolicy;
  /** The cell being drained: its sprayer connections are read as a second, coarser signal. */
  cell?: string;
  /** What to wait on: HTTP sessions (default) or ORB connections of Java clients. */
  measure?: 'sessions' | 'connections';
}

/** How a drain ended: at the threshold (`drained`), or at the deadline with sessions left. */
export interface DrainResult {
  /** Every server read, and at or under the threshold. */
  drained: boolean;
  /** The last counts; `sessions` is null where a count could not be read. */
  servers: { name: string; sessions: number | null; problem?: string }[];
  deadline: string;
  waitedSeconds: number;
  /** Open TCP connections from the sprayer to the cell's HTTP servers at the end (`scur`): connections, not sessions. */
  sprayerConnections?: number;
}

export interface InstallInput {
  estate: Estate;
  app: string;
  clusters: string[];
  version: string;
  artifact: string;
  virtualHost: string;
}

export interface VirtualHostInput {
  estate: Estate;
  app: string;
  clusters: string[];
  virtualHost: string;
  restart: boolean;
}

export interface SmokeTestInput {
  urls: string[];
  expectVersion: string;
  policy: SmokeTest;
}

export interface SmokeTestResult {
  requests: number;
  versions: Record<string, number>;
}

/** The routing turnout has set, and so keeps: the sprayer, the plugin-cfg.xml it last wrote, the bindings it switched. */
export interface ExpectedRouting {
  sprayer?: RoutingSnapshot;
  pluginCfg?: Omit<DistributePluginCfgInput, 'estate'>;
  bindings?: BindingValue[];
}

/** What differs from the expected routing: one line per difference, and the cells whose sprayer servers differ. */
export interface RoutingDrift {
  found: string[];
  cells: string[];
  /** Asked for with `foreignFiles`: files someone else rewrote, which the workflow never puts back on its own. */
  files?: ForeignFile[];
}

export interface WatchRoutingInput {
  estate: Estate;
  expected: ExpectedRouting;
  pollIntervalSeconds: number;
  /** Report a plugin-cfg.xml that differs from turnout's as a foreign write (`files`), not as drift to put back. */
  foreignFiles?: boolean;
}

export type { FileEdit } from '../src/drivers/config-file/foreign-edit';

/** The files turnout manages and last wrote, as the inputs that compute their bytes. */
export interface ManagedFiles {
  pluginCfg?: Omit<DistributePluginCfgInput, 'estate'>;
  /** loadbalancer.xml: the starting file (base64), the edits last written, and approved foreign changes. */
  loadbalancerXml?: { start: string; edits: LbEdit[]; accepted?: FileEdit[] };
}

export interface CheckFilesInput {
  estate: Estate;
  expected: ManagedFiles;
}

/** The managed files that differ from what turnout last wrote, grouped by the bytes found. */
export interface FileCheck {
  foreign: ForeignFile[];
}

export interface AdoptFilesInput {
  estate: Estate;
  expected: ManagedFiles;
  /** The foreign files as the person saw them when approving. */
  seen: Pick<ForeignFile, 'hosts' | 'foundSha256'>[];
}

/**
 * What an approved foreign write comes to: `changed` when a file is no longer what the person saw
 * (they are asked again); otherwise the change to keep (none for a missing file), or why it cannot
 * be kept on turnout's file (`conflict`).
 */
export interface AdoptResult {
  changed?: string;
  edit?: FileEdit;
  conflict?: string;
}

export interface PluginCfgAutomationInput {
  estate: Estate;
  cells: string[];
}

export interface CheckRoutingInput {
  estate: Estate;
  expected: ExpectedRouting;
}

export interface VerifyServersInput {
  estate: Estate;
  servers: string[];
  version: string;
}

/** Servers that should run `version` and are not up answering with it. */
export interface VerifyServersResult {
  dead: { name: string; problem: string }[];
}

/** What a claim that found the target leased learns (see `takeOverTargetLease`). */
export interface LeaseTakeOver {
  owner: string | null;
  takenOver: boolean;
}

/** The activities a rollout workflow calls. `createRolloutActivities(drivers)` implements them. */
export interface RolloutActivities extends EditionActivities, LbActivities, AppServerStartActivities {
  /** The estate named by a request, from TURNOUT_ESTATES; fails non-retryably with `$.estate` problems. */
  resolveEstate(name: string): Promise<Estate>;
  /** The workflow ID of the rollout holding `target`, if one is running. */
  findTargetOwner(target: string): Promise<string | null>;
  /**
   * Judges the lease a claim found: `owner` is null when the target turned out free; `takenOver`
   * when the lease's rollout no longer ran and the lease was ended for the claim to try again.
   */
  takeOverTargetLease(target: string): Promise<LeaseTakeOver>;
  snapshotRouting(estate: Estate): Promise<RoutingSnapshot>;
  /** Sets a cell's routing state; returns how many sprayer servers are in each state after. */
  routeCell(input: RouteCellInput): Promise<RoutingCounts>;
  /** Puts the snapshot's routing back (cells in `hold` at drain); returns the counts after. */
  restoreRouting(input: RestoreRoutingInput): Promise<RoutingCounts>;
  drainServers(input: DrainInput): Promise<DrainResult>;
  installApp(input: InstallInput): Promise<void>;
  switchVirtualHost(input: VirtualHostInput): Promise<void>;
  smokeTest(input: SmokeTestInput): Promise<SmokeTestResult>;
  /** Every HTTP server's plugin-cfg.xml, byte for byte, before the rollout touches it. */
  snapshotPluginCfg(estate: Estate): Promise<PluginCfgSnapshot>;
  /** GenPluginCfg for `cells` (step B.1.3), merged when there are two (the dormant-cell variation). */
  generatePluginCfg(input: { estate: Estate; cells: string[] }): Promise<PluginCfgText>;
  /** Computes a stage's file from the generated one and writes it to every HTTP server; idempotent. */
  distributePluginCfg(input: DistributePluginCfgInput): Promise<DistributeResult>;
  /** Writes back each HTTP server's snapshot bytes. */
  restorePluginCfg(input: { estate: Estate; snapshot: PluginCfgSnapshot }): Promise<DistributeResult>;
  /** The servers running now. */
  runningServers(estate: Estate): Promise<string[]>;
  /** Starts, stops or restarts servers. */
  manageServers(input: ServersInput): Promise<void>;
  /** The configured bindings' current values. */
  readBindings(estate: Estate): Promise<BindingValue[]>;
  /** Sets configured bindings; idempotent. */
  setBindings(input: { estate: Estate; values: BindingValue[] }): Promise<void>;
  /** Test Java clients call the EJB through `cluster`'s binding values (test bindings). */
  probeEjb(input: EjbProbeInput): Promise<EjbProbeResult>;
  /** Re-reads the routing at each poll until it differs from what is expected (or an hour passes); reads only. */
  watchRouting(input: WatchRoutingInput): Promise<RoutingDrift>;
  /** Reads the routing once and says what differs from what is expected. */
  checkRouting(input: CheckRoutingInput): Promise<RoutingDrift>;
  /** Puts the routing back as expected; idempotent. */
  correctRouting(input: CheckRoutingInput): Promise<RoutingDrift>;
  /** Which of `servers` are not up and answering with `version`. A server that cannot be asked counts as dead. */
  verifyServers(input: VerifyServersInput): Promise<VerifyServersResult>;
  /** Compares every managed file with what turnout last wrote; reads only. A file that cannot be read is skipped. */
  checkManagedFiles(input: CheckFilesInput): Promise<FileCheck>;
  /** Reads the approved foreign files again and returns the change to keep; reads only. */
  adoptForeignFiles(input: AdoptFilesInput): Promise<AdoptResult>;
  /** Why turnout may not write plugin-cfg.xml into these cells (the cell regenerates it on its own, or nobody can tell); empty when it may. */
  checkPluginCfgAutomation(input: PluginCfgAutomationInput): Promise<string[]>;
}

/** Every HTTP server's plugin-cfg.xml as it was, byte for byte (base64; null when there was no file). */
export interface PluginCfgSnapshot {
  servers: { name: string; base64: string | null | BlobRef }[];
}

/**
 * A plugin-cfg.xml as workflows hold it: a blob reference (histories from before blobs hold the
 * text itself). Activities get the text: references are resolved before they run.
 */
export type PluginCfgText = string | BlobRef;

/** The plugin-cfg.xml files the single-cell procedure writes, plus the rollback's hold file. */
export type PluginCfgStage = 'generated' | 'announce' | 'transition' | 'final' | 'hold';

export interface DistributePluginCfgInput {
  estate: Estate;
  /** The step-B file as generated (and merged), the base every later file is computed from. */
  generated: PluginCfgText;
  stage: PluginCfgStage;
  active: string;
  incoming: string;
  /** Transition and hold: incoming servers moved into the active cluster (cumulative). */
  moved?: string[];
  /** Transition: active servers at LoadBalanceWeight 0 (cumulative). */
  drained?: string[];
  /** Announce: moved servers written at LoadBalanceWeight 0, so every plug-in knows them before any sends them new sessions. */
  announce?: string[];
  /** Changes someone else made that a person approved: applied on top of the stage's file, in order. */
  accepted?: FileEdit[];
}

/** What a distribution did on each HTTP server. */
export interface DistributeResult {
  servers: { name: string; changed: boolean; sha256: string }[];
}

export interface ServersInput {
  estate: Estate;
  action: 'start' | 'stop' | 'restart';
  servers: string[];
}

export interface EjbProbeInput {
  estate: Estate;
  cluster: string;
  calls: number;
  expectVersion: string;
}
