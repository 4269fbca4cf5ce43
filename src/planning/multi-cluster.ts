/**
 * The multi-cluster online upgrade (seed 004, "Using Multiple Clusters for Online Upgrades Without
 * Loss of Service"): one cluster at a time, all of its instances together (the seed's caution), so a
 * session never fails over between versions: a cluster is the boundary of session failover.
 *
 * Per cluster: 1. disable all its instances in loadbalancer.xml and distribute it; 2. wait out the
 * quiescing period, ending early once no session is left; 3. let the requests in flight end;
 * 4. stop the instances, upgrade, start them, health-check and re-enable; 5. burn in, with a gate
 * before the next cluster. Re-enabling writes the file during the cluster's own quiescing period
 * when it ended early: that write means to end it, and the plan says so.
 */
import { planHeader, stepKinds, workflowTypes, type Estate, type Plan, type RolloutRequest, type Step } from '../model';
import { gateFor } from './gates';
import { cellOf, lbClusters, lbConfigStep, names, quiesceSteps, requireLoadBalancers } from './lb-clusters';
import { lbRollbackRoutes } from './lb-rollback-route';
import { PlanningError } from './planning-error';
import { listed } from './listed';

function upgradeCluster(request: RolloutRequest, estate: Estate, cluster: Estate['cells'][number]['clusters'][number], index: number, count: number): Step[] {
  const phase = `cluster-${cluster.name}`;
  const p = cluster.name;
  const servers = names(cluster.servers);
  const cell = cellOf(estate, cluster.name);
  const steps: Step[] = [];
  if (index > 0) steps.push(gateFor(phase, `The clusters before ${cluster.name} run ${request.toVersion} under load. Upgrade ${cluster.name}?`, request));
  steps.push(
    lbConfigStep(`${p}.disable`, phase, [{ op: 'clusterInstances', cluster: cluster.name, enabled: false }], `1. Disable every instance of ${cluster.name} (${listed(servers)})`),
    ...quiesceSteps(request, estate, phase, p, servers, { cluster: cluster.name }, cluster.name),
    { id: `${p}.stop`, phase, disruptive: true, kind: stepKinds.servers, action: 'stop', servers, title: `4. Stop ${listed(servers)}` },
    { id: `${p}.install`, phase, disruptive: true, kind: stepKinds.install, cell, clusters: [cluster.name], version: request.toVersion, artifact: request.artifact, virtualHost: estate.virtualHosts.production.name, title: `4. Upgrade ${request.app} to ${request.toVersion} on every instance of ${cluster.name}` },
    { id: `${p}.start`, phase, disruptive: true, kind: stepKinds.servers, action: 'start', servers, title: `4. Start ${listed(servers)}` },
    { id: `${p}.verify`, phase, disruptive: false, kind: stepKinds.verifyServers, servers, version: request.toVersion, title: `4. Health-check ${listed(servers)}: each is up and answers ${request.toVersion}` },
    lbConfigStep(`${p}.enable`, phase, [], `4. Enable ${cluster.name} again (the starting file, byte for byte; it ends ${cluster.name}'s quiescing if that is still on)`),
  );
  if (index < count - 1 || request.burnInSeconds > 0) steps.push({ id: `${p}.burn-in`, phase, disruptive: false, kind: stepKinds.burnIn, seconds: request.burnInSeconds, title: `5. Burn in ${request.toVersion} on ${cluster.name} for ${request.burnInSeconds}s under load` });
  return steps;
}

/** Plans a multi-cluster upgrade. Pure. */
export function planMultiCluster(request: RolloutRequest, estate: Estate): Plan {
  requireLoadBalancers(estate);
  const clusters = lbClusters(request, estate);
  if (clusters.length < 2) throw new PlanningError(`$.estate: the multi-cluster upgrade takes one cluster out at a time and needs at least two active clusters; ${estate.name} has ${clusters.length}`);
  const steps = clusters.flatMap((k, i) => upgradeCluster(request, estate, k, i, clusters.length));
  const plan: Plan = {
    ...planHeader(workflowTypes.multiClusterUpgrade, request, estate.name),
    steps,
    capacity: clusterCapacity(estate, clusters.map((k) => k.name)),
    finalRouting: {},
  };
  return { ...plan, rollbackRoutes: lbRollbackRoutes(plan, request, clusters.map((k) => k.name)) };
}

/** While a cluster is out, the others must carry the peak. */
function clusterCapacity(estate: Estate, clusters: string[]): Plan['capacity'] {
  const all = estate.cells.flatMap((c) => c.clusters).filter((k) => clusters.includes(k.name));
  const peak = estate.peakLoadRps;
  if (peak === undefined || all.some((k) => k.servers.some((s) => s.capacityRps === undefined))) return { checked: false, phases: [], note: 'capacity not checked: the estate declares no peakLoadRps or no capacityRps' };
  const phases = all.map((k) => ({ cell: `while ${k.name} is out`, remainingCapacityRps: all.filter((o) => o !== k).flatMap((o) => o.servers).reduce((sum, s) => sum + (s.capacityRps ?? 0), 0) }));
  const short = phases.filter((p) => p.remainingCapacityRps < peak);
  if (short.length > 0) throw new PlanningError(`capacity check failed: the declared peak is ${peak} req/s, but ${short.map((p) => `${p.cell}, the other clusters carry ${p.remainingCapacityRps} req/s`).join('; ')}`);
  return { checked: true, peakLoadRps: peak, phases, note: `capacity ok: at least ${Math.min(...phases.map((p) => p.remainingCapacityRps))} req/s stays enabled for a peak of ${peak} req/s` };
}
