/**
 * The rollback route of the loadbalancer.xml procedures (DESIGN, "Rollback"; seed 004). Clusters
 * play the part cells play in the multi-cell route: routing comes first, one write of the file to
 * every load balancer, and never leaves the site without an enabled cluster. Clusters that may hold
 * N+1 stay disabled (their sessions end within their cluster) unless no cluster on N is left; then
 * they keep serving until one is back on N. Repairs run in reverse order: let the sessions end,
 * stop, reinstall N, start, enable. The last write is the starting file, byte for byte. Pure.
 */
import type { CellRoutingState, LbEdit, Plan, RolloutRequest } from '../model';
import { cellRollbackRoute } from './rollback-route';

/** Where the procedure stands. */
export interface LbRollbackInput {
  /** Clusters in the order the procedure takes them. */
  order: readonly string[];
  /** Clusters where N+1 was (or may have been) installed. */
  tainted: readonly string[];
  /** Tainted clusters enabled now. */
  serving: readonly string[];
}

/** One cluster's repair. */
export interface LbRepair {
  cluster: string;
  /** It first leaves routing (it was kept serving). */
  hold: boolean;
  /** The file after the repair: the starting file with the clusters still held disabled. */
  after: LbEdit[];
}

/** The route. */
export interface LbRollbackRoute {
  /** The first write: the starting file with these edits (none: the starting bytes). */
  routing: LbEdit[];
  keep: string[];
  repairs: LbRepair[];
  stranded: string[];
}

const disabled = (clusters: readonly string[]): LbEdit[] => clusters.map((cluster) => ({ op: 'clusterInstances' as const, cluster, enabled: false }));

/** Computes the route. */
export function lbRollbackRoute(input: LbRollbackInput): LbRollbackRoute {
  const before = Object.fromEntries(input.order.map((c) => [c, 'ready' as CellRoutingState]));
  const route = cellRollbackRoute({ order: input.order, before, tainted: input.tainted, serving: input.serving, reinstall: true });
  const held = (routing: Record<string, CellRoutingState>) => input.order.filter((c) => routing[c] !== 'ready');
  let still = held(route.routing);
  const repairs = route.repairs.map(({ cell, hold }) => {
    still = still.filter((c) => c !== cell);
    return { cluster: cell, hold, after: disabled(still) };
  });
  return { routing: disabled(held(route.routing)), keep: route.keep, repairs, stranded: route.stranded };
}

/** What the titles speak of. */
export interface LbRouteWords {
  app: string;
  from: string;
  to: string;
}

/** The first write's title. */
export function lbRoutingTitle(route: LbRollbackRoute, w: LbRouteWords): string {
  const held = route.routing.map((e) => e.cluster);
  const kept = route.keep.length > 0 ? `no cluster runs ${w.from} yet, so ${route.keep.join(', ')} stay enabled on ${w.to}; ` : '';
  return held.length === 0 ? `Restore loadbalancer.xml on every load balancer, byte for byte: ${kept}every cluster enabled as before` : `Restore loadbalancer.xml on every load balancer: ${kept}${held.join(', ')} stay disabled while their ${w.to} sessions end; the rest as before`;
}

/** The titles of one repair. */
export function lbRepairTitles(repair: LbRepair, w: LbRouteWords): { hold?: string; drain: string; stop: string; reinstall: string; start: string; route: string } {
  const c = repair.cluster;
  return {
    ...(repair.hold ? { hold: `Disable ${c} in loadbalancer.xml while the other clusters serve` } : {}),
    drain: `Let the ${w.to} sessions on ${c} end`,
    stop: `Stop ${c}'s instances`,
    reinstall: `Reinstall ${w.app} ${w.from} on ${c}`,
    start: `Start ${c}'s instances and check each answers ${w.from}`,
    route: repair.after.length === 0 ? `Enable ${c}: every load balancer gets the starting loadbalancer.xml, byte for byte` : `Enable ${c} in loadbalancer.xml (${repair.after.map((e) => e.cluster).join(', ')} still disabled)`,
  };
}

/** The route as lines. */
export function describeLbRoute(route: LbRollbackRoute, w: LbRouteWords): string[] {
  const lines = [lbRoutingTitle(route, w)];
  for (const repair of route.repairs) {
    const t = lbRepairTitles(repair, w);
    lines.push(`${repair.cluster}: ${[t.hold, t.drain, t.stop, t.reinstall, t.start, t.route].filter(Boolean).map((x) => (x as string).replace(/^./, (c) => c.toLowerCase())).join('; then ')}`);
  }
  for (const c of route.stranded) lines.push(`${c} keeps ${w.to}: no other cluster is enabled while it would quiesce; a person repairs it or leaves it as is`);
  return lines;
}

/** The rollback route of each phase, at its furthest point. */
export function lbRollbackRoutes(plan: Plan, request: RolloutRequest, order: readonly string[]): NonNullable<Plan['rollbackRoutes']> {
  const w = { app: request.app, from: request.fromVersion, to: request.toVersion };
  const phases = [...new Set(plan.steps.map((s) => s.phase))];
  return phases.map((phase) => {
    const upTo = plan.steps.slice(0, plan.steps.map((s) => s.phase).lastIndexOf(phase) + 1);
    const tainted = [...new Set(upTo.flatMap((s) => (s.kind === 'install' ? s.clusters : [])))];
    const last = [...upTo].reverse().find((s) => s.kind === 'lbConfig');
    const disabledNow = new Set(last?.kind === 'lbConfig' ? last.edits.map((e) => e.cluster) : []);
    const serving = tainted.filter((c) => !disabledNow.has(c));
    return { phase, route: describeLbRoute(lbRollbackRoute({ order, tainted, serving }), w) };
  });
}
