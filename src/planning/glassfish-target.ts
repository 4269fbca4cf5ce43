/**
 * The cluster (or deployment group) a GlassFish-family rolling upgrade works on, its instances in
 * upgrade order, and the checks both procedures share (seeds 000 and 001). Pure.
 */
import type { Cell, Cluster, Estate, RolloutRequest, Server } from '../model';
import { glassfishSettingsSchema, type GlassfishSettings } from '../model/request';
import type { CapacityCheck } from '../model/plan';
import { PlanningError } from './planning-error';

/** The cluster a rolling upgrade works on, its cell (the domain), and its instances in order. */
export interface GlassfishTarget {
  cell: Cell;
  cluster: Cluster;
  instances: Server[];
  contextRoot: string;
  settings: GlassfishSettings;
}

/** The request's settings, with the defaults when it gave none. */
export function glassfishSettingsOf(request: RolloutRequest): GlassfishSettings {
  return request.glassfish ?? glassfishSettingsSchema.parse({});
}

function activeClusters(estate: Estate): { cell: Cell; cluster: Cluster }[] {
  return estate.cells.flatMap((cell) => cell.clusters.filter((k) => k.state === 'active').map((cluster) => ({ cell, cluster })));
}

function findCluster(estate: Estate, settings: GlassfishSettings): { cell: Cell; cluster: Cluster } {
  const active = activeClusters(estate);
  if (settings.cluster === undefined) {
    const only = active[0];
    if (active.length !== 1 || !only) throw new PlanningError(`$.glassfish.cluster: estate ${estate.name} has ${active.length} active clusters (${active.map((a) => a.cluster.name).join(', ') || 'none'}); name the one to upgrade`);
    return only;
  }
  const found = active.find((a) => a.cluster.name === settings.cluster);
  if (!found) throw new PlanningError(`$.glassfish.cluster: no active cluster ${settings.cluster} in estate ${estate.name} (active: ${active.map((a) => a.cluster.name).join(', ') || 'none'})`);
  return found;
}

function ordered(cluster: Cluster, order: readonly string[] | undefined): Server[] {
  if (!order) return cluster.servers;
  const names = cluster.servers.map((s) => s.name);
  const unknown = order.filter((n) => !names.includes(n));
  if (unknown.length > 0) throw new PlanningError(`$.glassfish.instanceOrder: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not an instance' : 'are not instances'} of ${cluster.name} (it has ${names.join(', ')})`);
  const missing = names.filter((n) => !order.includes(n));
  if (missing.length > 0 || new Set(order).size !== order.length) throw new PlanningError(`$.glassfish.instanceOrder: name every instance of ${cluster.name} once (${names.join(', ')}); ${missing.length > 0 ? `missing ${missing.join(', ')}` : 'one is named twice'}`);
  return order.map((n) => cluster.servers.find((s) => s.name === n) as Server);
}

/** Finds the request's cluster and instances; refuses an estate that is not of the GlassFish family or cannot quiesce one instance. */
export function glassfishTarget(request: RolloutRequest, estate: Estate): GlassfishTarget {
  if (estate.appServer.driver !== 'asadmin' && estate.appServer.driver !== 'lab') throw new PlanningError(`$.estate.appServer.driver: the GlassFish rolling upgrades drive a GlassFish or Payara domain through asadmin; estate ${estate.name} uses ${estate.appServer.driver}`);
  if (estate.sprayer?.routes !== 'members') throw new PlanningError('$.estate.sprayer.routes: a rolling upgrade takes one instance at a time out of the load balancer, so the load balancer must route to the instances (`routes: "members"`)');
  const settings = glassfishSettingsOf(request);
  const { cell, cluster } = findCluster(estate, settings);
  if (cluster.servers.length < 2) throw new PlanningError(`$.glassfish.cluster: ${cluster.name} has ${cluster.servers.length} instance; a rolling upgrade needs at least two, so one serves while the other is upgraded`);
  const contextRoot = settings.contextRoot ?? estate.lab?.contextRoot ?? `/${request.app}`;
  return { cell, cluster, instances: ordered(cluster, settings.instanceOrder), contextRoot, settings };
}

/** While one instance is out, the others must carry the declared peak. */
export function instanceCapacity(estate: Estate, target: GlassfishTarget): CapacityCheck {
  const peak = estate.peakLoadRps;
  const all = target.instances;
  if (peak === undefined || all.some((s) => s.capacityRps === undefined)) return { checked: false, phases: [], note: 'capacity not checked: the estate declares no peakLoadRps or no capacityRps' };
  const phases = all.map((s) => ({ cell: `while ${s.name} is out`, remainingCapacityRps: all.filter((o) => o !== s).reduce((sum, o) => sum + (o.capacityRps ?? 0), 0) }));
  const short = phases.filter((p) => p.remainingCapacityRps < peak);
  if (short.length > 0) throw new PlanningError(`capacity check failed: the declared peak is ${peak} req/s, but ${short.map((p) => `${p.cell}, the other instances carry ${p.remainingCapacityRps} req/s`).join('; ')}`);
  return { checked: true, peakLoadRps: peak, phases, note: `capacity ok: at least ${Math.min(...phases.map((p) => p.remainingCapacityRps))} req/s stays in routing for a peak of ${peak} req/s` };
}

/** The phase of one instance. */
export function instancePhase(instance: string): string {
  return `instance-${instance}`;
}

/** How the plan says what seed 000's step 1 became: the ramp-up an instance gets when it comes back. */
export function rampWords(seconds: number): string {
  return seconds === 0 ? 'at full weight at once (the seed\'s load-increase-factor 1, period 0)' : `ramping its weight up over ${seconds}s`;
}
