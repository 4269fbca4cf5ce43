/**
 * Inputs and outputs of the rollout activities. Plain data: they cross the workflow boundary and are
 * recorded in history, so workflows import this file (types only) too.
 */
import type { CellRoutingState, DrainPolicy, Estate, SmokeTest } from '../src/model';

/** A routing snapshot of the IP sprayer, as the sprayer driver takes it. */
export interface RoutingSnapshot {
  backend: string;
  servers: { name: string; cell?: string; state: CellRoutingState; weight: number }[];
  affinity: Record<string, string>;
}

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
}

/** How a drain ended: at the threshold (`drained`), or at the deadline with sessions left. */
export interface DrainResult {
  drained: boolean;
  servers: { name: string; sessions: number }[];
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

/** The activities a rollout workflow calls. `createRolloutActivities(drivers)` implements them. */
export interface RolloutActivities {
  /** The estate named by a request, from TURNOUT_ESTATES; fails non-retryably with `$.estate` problems. */
  resolveEstate(name: string): Promise<Estate>;
  /** The workflow ID of the rollout holding `target`, if one is running. */
  findTargetOwner(target: string): Promise<string | null>;
  snapshotRouting(estate: Estate): Promise<RoutingSnapshot>;
  routeCell(input: RouteCellInput): Promise<RoutingSnapshot>;
  restoreRouting(input: RestoreRoutingInput): Promise<RoutingSnapshot>;
  drainServers(input: DrainInput): Promise<DrainResult>;
  installApp(input: InstallInput): Promise<void>;
  switchVirtualHost(input: VirtualHostInput): Promise<void>;
  smokeTest(input: SmokeTestInput): Promise<SmokeTestResult>;
}
