/**
 * The application servers as a rollback must leave them (issue 16): each server's installed
 * version, virtual host and whether it runs. A test snapshots them before the rollout and compares
 * after the rollback, beside the routing.
 */
import { driversFor } from '../../src/drivers';
import type { Estate } from '../../src/model';

/** One server as the start record compares it. */
export interface AppServerShape {
  name: string;
  cluster: string;
  version: string;
  virtualHost: string;
  running: boolean;
}

/** Every app server of the estate, through the estate's own admin driver (the lab dmgr, asadmin). */
export async function appServersOf(estate: Estate): Promise<AppServerShape[]> {
  const servers = await driversFor(estate).appServer().servers();
  return servers.map((s) => ({ name: s.name, cluster: s.cluster, version: s.version, virtualHost: s.virtualHost, running: s.running })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Expects every app server as in `start`: the same version, virtual host and running state. */
export async function expectAppServersAsAt(estate: Estate, start: readonly AppServerShape[]): Promise<void> {
  expect(await appServersOf(estate)).toEqual(start);
}
