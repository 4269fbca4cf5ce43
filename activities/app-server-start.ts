/**
 * Records the application servers as a rollout found them and puts them back at the end of a
 * rollback (issue 16): version, virtual host and which members run. Idempotent: each call reads the
 * admin side first and changes only what differs, and reads again after to verify.
 */
import { log } from '@temporalio/activity';
import type { Drivers } from '../src/drivers';
import type { AppServerDriver } from '../src/drivers/app-server/app-server';
import type { Estate } from '../src/model';
import { clusterRepairs, clusterStarts, describeRepair, type ClusterRepair } from '../src/planning/app-server-start';
import type { AppServerStartActivities, RecordAppServersInput, RestoreAppServersInput, RestoreAppServersResult } from './app-server-start-types';

/** Stops first (nothing stopped serves a changed install), then installs, starts, and maps. */
async function apply(admin: AppServerDriver, app: string, r: ClusterRepair): Promise<void> {
  if (r.stop.length > 0) await admin.stopServers(r.stop);
  if (r.install) await admin.install({ app, clusters: [r.cluster], ...r.install });
  if (r.start.length > 0) await admin.startServers(r.start);
  if (r.virtualHost) await admin.setVirtualHost({ app, clusters: [r.cluster], virtualHost: r.virtualHost, restart: true });
}

/** Builds the activities around the worker's drivers. */
export function createAppServerStartActivities(drivers: (estate: Estate) => Drivers): AppServerStartActivities {
  return {
    async recordAppServers(input: RecordAppServersInput) {
      return clusterStarts(await drivers(input.estate).appServer().servers(), input.clusters);
    },

    async restoreAppServers(input: RestoreAppServersInput): Promise<RestoreAppServersResult> {
      const admin = drivers(input.estate).appServer();
      const repairs = clusterRepairs(input.start, await admin.servers(), input.artifacts, input.versions);
      for (const r of repairs) await apply(admin, input.app, r);
      const still = clusterRepairs(input.start, await admin.servers(), input.artifacts, input.versions).filter((r) => r.stop.length + r.start.length > 0 || r.install || r.virtualHost);
      if (still.length > 0) throw new Error(`the app servers still differ from the start: ${still.map(describeRepair).join('; ')}`);
      log.info('app servers restored', { repairs: repairs.map(describeRepair) });
      return { repairs };
    },
  };
}
