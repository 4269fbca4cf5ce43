/**
 * The routing decisions of the lab's Sun ONE load balancer (seed 004, "Managing Clusters"), as
 * pure functions over its state, so the quiescing rules are tested without sockets or clocks.
 *
 * - Unassigned requests (new sessions) go round-robin over the enabled, healthy instances of every
 *   cluster whose web module for the request's context root is enabled.
 * - Assigned requests go to their instance while it is enabled or quiescing; after its quiescing
 *   period they fail over to another enabled instance of the same cluster (sessions never cross
 *   clusters), and become unassigned when there is none. A disabled web module quiesces the same
 *   way for its cluster.
 * - Every reload of the file restarts the quiescing of whatever is still quiescing, with the new
 *   file's timeout ("Modifying the Quiescing Period While Quiescing is On").
 */
import type { LbCluster, LbInstance, LoadBalancerConfig } from '../drivers/loadbalancer-xml/config';

/** One instance as the load balancer knows it: `cluster` and `name` from the file, `server` from the estate's clone IDs. */
export interface InstanceRef {
  cluster: string;
  name: string;
  /** The listener requests and health checks go to: the first `http://` one. */
  listener: string;
}

/** What the load balancer does with a request. */
export type LbDecision =
  | { kind: 'route'; target: InstanceRef; assigned: boolean; contextRoot: string }
  /** No cluster has a web module for the path. */
  | { kind: 'no-route' }
  /** Clusters serve the path, but no instance can take the request now. */
  | { kind: 'unavailable'; contextRoot: string };

/** A request as the load balancer sees it: the path and the clone ID of its JSESSIONID, if any. */
export interface LbRequest {
  path: string;
  cloneId?: string;
}

/** The running state: the configuration, what quiesces until when, what the health checker took out. */
export interface LbRouting {
  config: LoadBalancerConfig;
  /** How many seconds one minute of `disable-timeout-in-minutes` lasts. */
  minuteSeconds: number;
  /** Quiescing deadlines (ms since epoch) of instances (`instanceKey`) and web modules (`moduleKey`). */
  quiescing: Map<string, number>;
  /** Instances (`instanceKey`) the health checker took out of routing, with why. */
  unhealthy: Map<string, string>;
  /** Round-robin positions, per context root (unassigned) and per cluster (fail-over). */
  rr: Map<string, number>;
  /** Clone ID → the estate's server: an instance is the server's if it has its name or its listener. */
  cloneIds: Map<string, ServerRef>;
}

/** An estate server, as a clone ID names it. */
export interface ServerRef {
  name: string;
  /** `http://host:port`. */
  listener: string;
}

/** Something the load balancer writes to its log. */
export interface LbEvent {
  kind: 'instance-quiesced' | 'module-quiesced';
  line: string;
}

/** The key of an instance in `quiescing` and `unhealthy`. */
export const instanceKey = (cluster: string, name: string): string => `instance ${cluster}/${name}`;
/** The key of a web module in `quiescing`. */
export const moduleKey = (cluster: string, contextRoot: string): string => `module ${cluster}${contextRoot}`;

/** The first plain-HTTP listener of an instance (the lab proxies HTTP only), else its first one. */
export function httpListener(instance: LbInstance): string {
  return (instance.listeners.find((l) => l.startsWith('http://')) ?? instance.listeners[0] ?? '').replace(/\/$/, '');
}

const ref = (cluster: LbCluster, instance: LbInstance): InstanceRef => ({ cluster: cluster.name, name: instance.name, listener: httpListener(instance) });

/** Quiescing periods in ms, from minutes and the lab's minute. */
const periodMs = (minutes: number, minuteSeconds: number): number => minutes * minuteSeconds * 1000;

/**
 * The routing state of a freshly started load balancer. What the first file disables counts as
 * quiesced already: a load balancer that just started has no assigned requests to honour.
 */
export function initialRouting(config: LoadBalancerConfig, minuteSeconds: number, cloneIds: Map<string, ServerRef>): LbRouting {
  return { config, minuteSeconds, quiescing: new Map(), unhealthy: new Map(), rr: new Map(), cloneIds };
}

/**
 * Applies a reloaded file at `now`. An instance or web module the file disables starts quiescing
 * if it was enabled before; one still quiescing starts again with the new file's timeout (the seed:
 * every reload "starts the quiescing process again"); one that was quiesced stays so. Re-enabling
 * cancels a quiescing without a log line. The health checker's verdicts carry over for instances
 * that are still there. Periods that ended before the reload end first (their log lines are returned).
 */
export function applyReload(state: LbRouting, next: LoadBalancerConfig, now: number): { state: LbRouting; events: LbEvent[] } {
  const events = expireQuiescing(state, now);
  const wasEnabled = new Map<string, boolean>();
  for (const c of state.config.clusters) {
    for (const i of c.instances) wasEnabled.set(instanceKey(c.name, i.name), i.enabled);
    for (const w of c.webModules) wasEnabled.set(moduleKey(c.name, w.contextRoot), w.enabled);
  }
  const quiescing = new Map<string, number>();
  const disable = (key: string, minutes: number) => {
    if (wasEnabled.get(key) === true || state.quiescing.has(key)) quiescing.set(key, now + periodMs(minutes, state.minuteSeconds));
  };
  const present = new Set<string>();
  for (const c of next.clusters) {
    for (const i of c.instances) {
      present.add(instanceKey(c.name, i.name));
      if (!i.enabled) disable(instanceKey(c.name, i.name), i.disableTimeoutMinutes);
    }
    for (const w of c.webModules) if (!w.enabled) disable(moduleKey(c.name, w.contextRoot), w.disableTimeoutMinutes);
  }
  const unhealthy = new Map([...state.unhealthy].filter(([key]) => present.has(key)));
  return { state: { ...state, config: next, quiescing, unhealthy }, events };
}

/**
 * Ends the quiescing periods that are over at `now` and returns the seed's log lines for them.
 * Routing already treats a period as over at its deadline; this is the bookkeeping and the log.
 */
export function expireQuiescing(state: LbRouting, now: number): LbEvent[] {
  const events: LbEvent[] = [];
  for (const [key, until] of [...state.quiescing]) {
    if (until > now) continue;
    state.quiescing.delete(key);
    for (const c of state.config.clusters) {
      for (const i of c.instances) {
        if (instanceKey(c.name, i.name) === key) events.push({ kind: 'instance-quiesced', line: `Instance: ${i.name} quiesced successfully over the cluster: ${c.name}` });
      }
      for (const w of c.webModules) {
        if (moduleKey(c.name, w.contextRoot) === key) events.push({ kind: 'module-quiesced', line: `Application: ${w.contextRoot} quiesced successfully over the cluster ${c.name}` });
      }
    }
  }
  return events;
}

/** Whether `path` lies under `contextRoot` (`/` serves everything). */
export function underContextRoot(path: string, contextRoot: string): boolean {
  if (contextRoot === '/' || contextRoot === '') return true;
  const root = contextRoot.replace(/\/$/, '');
  return path === root || path.startsWith(`${root}/`);
}

/** The context root that serves `path`: the longest one any cluster names. */
export function contextRootFor(config: LoadBalancerConfig, path: string): string | undefined {
  const roots = config.clusters.flatMap((c) => c.webModules.map((w) => w.contextRoot)).filter((r) => underContextRoot(path, r));
  return roots.sort((a, b) => b.length - a.length)[0];
}

const quiescingAt = (state: LbRouting, key: string, now: number): boolean => (state.quiescing.get(key) ?? 0) > now;

/** A web module in a cluster takes new sessions (enabled) or only its assigned ones (quiescing); undefined if it is not there. */
function moduleState(state: LbRouting, cluster: LbCluster, contextRoot: string, now: number): 'enabled' | 'quiescing' | 'disabled' | undefined {
  const module = cluster.webModules.find((w) => w.contextRoot === contextRoot);
  if (!module) return undefined;
  if (module.enabled) return 'enabled';
  return quiescingAt(state, moduleKey(cluster.name, contextRoot), now) ? 'quiescing' : 'disabled';
}

const healthy = (state: LbRouting, cluster: LbCluster, instance: LbInstance): boolean => !state.unhealthy.has(instanceKey(cluster.name, instance.name));

/** Takes the next of `candidates` in the round-robin named `key`. */
function nextInTurn(state: LbRouting, key: string, candidates: readonly InstanceRef[]): InstanceRef | undefined {
  if (candidates.length === 0) return undefined;
  const at = state.rr.get(key) ?? 0;
  state.rr.set(key, (at + 1) % candidates.length);
  return candidates[at % candidates.length];
}

/** The enabled, healthy instances of one cluster, `exclude` left out: where its sessions fail over. */
function failoverCandidates(state: LbRouting, cluster: LbCluster, exclude: string | undefined): InstanceRef[] {
  return cluster.instances.filter((i) => i.enabled && i.name !== exclude && healthy(state, cluster, i)).map((i) => ref(cluster, i));
}

/**
 * Another instance of `clusterName` for a request its instance could not take (a refused connection,
 * a quiesced instance): round-robin over the cluster's enabled, healthy instances but `exclude`.
 */
export function failoverTarget(state: LbRouting, clusterName: string, exclude: string | undefined): InstanceRef | undefined {
  const cluster = state.config.clusters.find((c) => c.name === clusterName);
  return cluster ? nextInTurn(state, `cluster ${clusterName}`, failoverCandidates(state, cluster, exclude)) : undefined;
}

/** The assigned route of a request whose clone ID names an instance the file knows, if it still has one. */
function assignedRoute(state: LbRouting, cloneId: string, contextRoot: string, now: number): InstanceRef | undefined {
  const server = state.cloneIds.get(cloneId);
  if (server === undefined) return undefined;
  for (const cluster of state.config.clusters) {
    const instance = cluster.instances.find((i) => i.name === server.name || httpListener(i) === server.listener);
    if (!instance) continue;
    const name = instance.name;
    // A cluster whose web module is quiesced (or absent) keeps none of the module's sessions.
    const module = moduleState(state, cluster, contextRoot, now);
    if (module === undefined || module === 'disabled') return undefined;
    const honoured = instance.enabled || quiescingAt(state, instanceKey(cluster.name, name), now);
    if (honoured && healthy(state, cluster, instance)) return ref(cluster, instance);
    return failoverTarget(state, cluster.name, name);
  }
  return undefined;
}

/** Decides where a request goes at `now` (advancing the round-robin it draws from). */
export function routeRequest(state: LbRouting, req: LbRequest, now: number): LbDecision {
  const contextRoot = contextRootFor(state.config, req.path);
  if (contextRoot === undefined) return { kind: 'no-route' };
  const assigned = req.cloneId === undefined ? undefined : assignedRoute(state, req.cloneId, contextRoot, now);
  if (assigned) return { kind: 'route', target: assigned, assigned: true, contextRoot };
  const candidates = state.config.clusters
    .filter((c) => moduleState(state, c, contextRoot, now) === 'enabled')
    .flatMap((c) => c.instances.filter((i) => i.enabled && healthy(state, c, i)).map((i) => ref(c, i)));
  const target = nextInTurn(state, `root ${contextRoot}`, candidates);
  return target ? { kind: 'route', target, assigned: false, contextRoot } : { kind: 'unavailable', contextRoot };
}

/** An instance's state as `/__lb/state` reports it; `unhealthy` wins over the file's word. */
export type InstanceStateName = 'enabled' | 'quiescing' | 'disabled' | 'unhealthy';

/** One instance in `/__lb/state`. */
export interface InstanceView extends InstanceRef {
  state: InstanceStateName;
  enabled: boolean;
  healthy: boolean;
  /** ISO time its quiescing period ends, while it quiesces. */
  quiescingUntil?: string;
  /** Why the health checker took it out. */
  unhealthyReason?: string;
}

/** One web module in `/__lb/state`. */
export interface WebModuleView {
  cluster: string;
  contextRoot: string;
  state: 'enabled' | 'quiescing' | 'disabled';
  quiescingUntil?: string;
}

/** The instances and web modules as they route at `now`. */
export function routingView(state: LbRouting, now: number): { instances: InstanceView[]; webModules: WebModuleView[] } {
  const until = (key: string) => (quiescingAt(state, key, now) ? new Date(state.quiescing.get(key) ?? now).toISOString() : undefined);
  const instances = state.config.clusters.flatMap((c) =>
    c.instances.map((i): InstanceView => {
      const key = instanceKey(c.name, i.name);
      const quiescingUntil = i.enabled ? undefined : until(key);
      const reason = state.unhealthy.get(key);
      const fileState = i.enabled ? 'enabled' : quiescingUntil ? 'quiescing' : 'disabled';
      return { ...ref(c, i), state: reason === undefined ? fileState : 'unhealthy', enabled: i.enabled, healthy: reason === undefined, ...(quiescingUntil ? { quiescingUntil } : {}), ...(reason === undefined ? {} : { unhealthyReason: reason }) };
    }),
  );
  const webModules = state.config.clusters.flatMap((c) =>
    c.webModules.map((w): WebModuleView => {
      const quiescingUntil = w.enabled ? undefined : until(moduleKey(c.name, w.contextRoot));
      return { cluster: c.name, contextRoot: w.contextRoot, state: w.enabled ? 'enabled' : quiescingUntil ? 'quiescing' : 'disabled', ...(quiescingUntil ? { quiescingUntil } : {}) };
    }),
  );
  return { instances, webModules };
}
