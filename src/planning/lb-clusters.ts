/**
 * What the loadbalancer.xml procedures (seed 004) share: the clusters in order, their instances,
 * the quiescing wait and the rules the plan states about writing the file. Pure.
 */
import { stepKinds, type Cluster, type Estate, type LbEdit, type RolloutRequest, type Server, type Step } from '../model';
import { PlanningError } from './planning-error';
import { listed } from './listed';

export const names = (servers: readonly Server[]): string[] => servers.map((s) => s.name);

/** The estate's load balancers, or a refusal naming what is missing. */
export function requireLoadBalancers(estate: Estate): NonNullable<Estate['loadBalancers']> {
  if (!estate.loadBalancers) throw new PlanningError('$.estate.loadBalancers: this procedure routes by loadbalancer.xml; the estate declares no load balancers');
  return estate.loadBalancers;
}

/** The active clusters in the order the request gives (estate order by default). */
export function lbClusters(request: RolloutRequest, estate: Estate): Cluster[] {
  const active = estate.cells.flatMap((c) => c.clusters).filter((k) => k.state === 'active');
  const order = request.lb?.clusterOrder;
  if (!order) return active;
  const unknown = order.filter((n) => !active.some((k) => k.name === n));
  if (unknown.length > 0) throw new PlanningError(`$.lb.clusterOrder: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not an active cluster' : 'are not active clusters'} (active: ${active.map((k) => k.name).join(', ')})`);
  const missing = active.filter((k) => !order.includes(k.name)).map((k) => k.name);
  if (missing.length > 0) throw new PlanningError(`$.lb.clusterOrder: leaves out ${missing.join(', ')}; every active cluster is upgraded, or a session could fail over across versions`);
  return order.map((n) => active.find((k) => k.name === n) as Cluster);
}

/** The cluster named `name`, or a refusal naming the active ones. */
export function lbCluster(estate: Estate, name: string, path: string): Cluster {
  const active = estate.cells.flatMap((c) => c.clusters).filter((k) => k.state === 'active');
  const found = active.find((k) => k.name === name);
  if (!found) throw new PlanningError(`${path}: no active cluster ${name} (active: ${active.map((k) => k.name).join(', ')})`);
  return found;
}

/** The cell holding a cluster. */
export function cellOf(estate: Estate, cluster: string): string {
  return estate.cells.find((c) => c.clusters.some((k) => k.name === cluster))?.name ?? '';
}

/** The title of a write: what the file says afterwards, and that every load balancer gets the same bytes. */
export function lbWriteTitle(what: string): string {
  return `${what} in loadbalancer.xml; every load balancer gets identical bytes and polls it`;
}

/** A write of the file: the starting file with `edits`. */
export function lbConfigStep(id: string, phase: string, edits: LbEdit[], what: string): Step {
  return { id, phase, disruptive: true, kind: stepKinds.lbConfig, edits, title: lbWriteTitle(what) };
}

/** Waits out the quiescing period of what was disabled, ending early once no session is left, then the requests in flight. */
export function quiesceSteps(request: RolloutRequest, estate: Estate, phase: string, prefix: string, servers: string[], quiescing: NonNullable<Extract<Step, { kind: 'drain' }>['quiescing']>, what: string): Step[] {
  const inFlight = request.lb?.inFlightSeconds ?? 60;
  const steps: Step[] = [
    {
      id: `${prefix}.quiesce`,
      phase,
      disruptive: false,
      kind: stepKinds.drain,
      cell: cellOf(estate, quiescing.cluster),
      servers,
      measure: 'sessions',
      quiescing,
      title: `Wait out ${what}'s quiescing period (disable-timeout-in-minutes), ending early once no session is left on ${listed(servers)}; if drain.maxWaitSeconds is shorter, a person approves before sessions fail over`,
    },
  ];
  if (inFlight > 0) steps.push({ id: `${prefix}.in-flight`, phase, disruptive: false, kind: stepKinds.quiesce, servers, at: 'server', limitSeconds: inFlight, title: `Let the requests in flight in ${listed(servers)} end (up to ${inFlight}s)` });
  return steps;
}
