/**
 * Inputs and outputs of the activities that record and restore the application servers' start
 * (issue 16). Plain data: they cross the workflow boundary and are recorded in history, so workflows
 * import this file (types only) too.
 */
import type { Estate } from '../src/model';
import type { ClusterRepair, ClusterStart } from '../src/planning/app-server-start';

export interface RecordAppServersInput {
  estate: Estate;
  /** The clusters the plan changes (`touchedClusters`). */
  clusters: string[];
}

export interface RestoreAppServersInput {
  estate: Estate;
  app: string;
  start: ClusterStart[];
  /** The artifact of each version the start holds (`artifactsFor`). */
  artifacts: Record<string, string>;
  /** False when the request keeps N+1 installed (`rollback.reinstallPrevious: false`): only which servers run is put back. */
  versions: boolean;
}

/** What a restore did, cluster by cluster, and what it could not put back. */
export interface RestoreAppServersResult {
  repairs: ClusterRepair[];
}

/** Record and restore the application servers' start. */
export interface AppServerStartActivities {
  /** Each cluster's installed version, virtual host and running members, now. Reads only. */
  recordAppServers(input: RecordAppServersInput): Promise<ClusterStart[]>;
  /** Puts every cluster back as recorded, then reads again; fails while something still differs. Idempotent. */
  restoreAppServers(input: RestoreAppServersInput): Promise<RestoreAppServersResult>;
}
