/**
 * The short procedures on a cluster behind loadbalancer.xml (seed 004): reconfigure an instance in
 * a running cluster, redeploy a web module, remove an instance, remove a cluster. Each quiesces
 * what it touches by the same rules as the upgrade before it acts, and follows the seed's steps.
 */
import { planHeader, stepKinds, workflowTypes, type Estate, type LbOperation, type Plan, type RolloutRequest, type Step } from '../model';
import { cellOf, lbCluster, lbConfigStep, names, quiesceSteps, requireLoadBalancers } from './lb-clusters';
import { lbRollbackRoutes } from './lb-rollback-route';
import { PlanningError } from './planning-error';
import { listed } from './listed';

function instanceOf(estate: Estate, cluster: string, instance: string): string {
  const k = lbCluster(estate, cluster, '$.lb.operation.cluster');
  if (!k.servers.some((s) => s.name === instance)) throw new PlanningError(`$.lb.operation.instance: ${instance} is not an instance of ${cluster} (it has ${names(k.servers).join(', ')})`);
  return instance;
}

/** "Reconfiguring an Application Server Instance in a Running Cluster", steps 1-4. */
function reconfigure(request: RolloutRequest, estate: Estate, op: Extract<LbOperation, { kind: 'reconfigureInstance' }>): Step[] {
  const phase = 'operation';
  const i = instanceOf(estate, op.cluster, op.instance);
  return [
    lbConfigStep('instance.disable', phase, [{ op: 'instance', cluster: op.cluster, instance: i, enabled: false }], `1. Disable ${i} of ${op.cluster}`),
    ...quiesceSteps(request, estate, phase, 'instance', [i], { cluster: op.cluster, instances: [i] }, i),
    { id: 'instance.restart', phase, disruptive: true, kind: stepKinds.servers, action: 'restart', servers: [i], title: `2-3. Restart ${i} so it picks up its new configuration` },
    { id: 'instance.verify', phase, disruptive: false, kind: stepKinds.verifyServers, servers: [i], version: request.fromVersion, title: `Health-check ${i}: up and answering ${request.fromVersion}` },
    lbConfigStep('instance.enable', phase, [], `4. Enable ${i} again (the starting file, byte for byte)`),
  ];
}

/** "Redeploying an Existing Web Application on a Cluster", steps 1-3. */
function redeploy(request: RolloutRequest, estate: Estate, op: Extract<LbOperation, { kind: 'redeployWebModule' }>): Step[] {
  const phase = 'operation';
  const k = lbCluster(estate, op.cluster, '$.lb.operation.cluster');
  const servers = names(k.servers);
  return [
    lbConfigStep('web-module.disable', phase, [{ op: 'webModule', cluster: op.cluster, contextRoot: op.contextRoot, enabled: false }], `1. Disable web module ${op.contextRoot} on ${op.cluster}`),
    ...quiesceSteps(request, estate, phase, 'web-module', servers, { cluster: op.cluster, contextRoot: op.contextRoot }, `${op.contextRoot} on ${op.cluster}`),
    { id: 'web-module.install', phase, disruptive: true, kind: stepKinds.install, cell: cellOf(estate, op.cluster), clusters: [op.cluster], version: request.toVersion, artifact: request.artifact, virtualHost: estate.virtualHosts.production.name, title: `2. Redeploy ${request.app} ${request.toVersion} on every instance of ${op.cluster}` },
    { id: 'web-module.verify', phase, disruptive: false, kind: stepKinds.verifyServers, servers, version: request.toVersion, title: `Check ${listed(servers)} answer ${request.toVersion}` },
    lbConfigStep('web-module.enable', phase, [], `3. Enable ${op.contextRoot} on ${op.cluster} again (the starting file, byte for byte)`),
  ];
}

/** "Removing an Application Server Instance from a Cluster", steps 1-2. */
function removeInstance(request: RolloutRequest, estate: Estate, op: Extract<LbOperation, { kind: 'removeInstance' }>): Step[] {
  const phase = 'operation';
  const i = instanceOf(estate, op.cluster, op.instance);
  return [
    lbConfigStep('instance.disable', phase, [{ op: 'instance', cluster: op.cluster, instance: i, enabled: false }], `1. Disable ${i} of ${op.cluster}`),
    ...quiesceSteps(request, estate, phase, 'instance', [i], { cluster: op.cluster, instances: [i] }, i),
    lbConfigStep('instance.remove', phase, [{ op: 'removeInstance', cluster: op.cluster, instance: i }], `2. Remove ${i}'s entry from ${op.cluster}`),
  ];
}

/** "Removing a Cluster", steps 1 and 3 (undeploying, step 2, is optional and left to a person). */
function removeCluster(request: RolloutRequest, estate: Estate, op: Extract<LbOperation, { kind: 'removeCluster' }>): Step[] {
  const phase = 'operation';
  const k = lbCluster(estate, op.cluster, '$.lb.operation.cluster');
  const servers = names(k.servers);
  return [
    lbConfigStep('cluster.disable', phase, [{ op: 'clusterWebModules', cluster: op.cluster, enabled: false }], `1. Disable every web module of ${op.cluster}`),
    ...quiesceSteps(request, estate, phase, 'cluster', servers, { cluster: op.cluster, contextRoot: '*' }, `${op.cluster}'s web modules`),
    lbConfigStep('cluster.remove', phase, [{ op: 'removeCluster', cluster: op.cluster }], `3. Remove every entry of ${op.cluster} (instances, web modules, health checker)`),
  ];
}

/** Plans a cluster operation. Pure. */
export function planClusterOperation(request: RolloutRequest, estate: Estate): Plan {
  requireLoadBalancers(estate);
  const op = request.lb?.operation;
  if (!op) throw new PlanningError('$.lb.operation: say what to do: reconfigureInstance, redeployWebModule, removeInstance or removeCluster');
  const steps = op.kind === 'reconfigureInstance' ? reconfigure(request, estate, op) : op.kind === 'redeployWebModule' ? redeploy(request, estate, op) : op.kind === 'removeInstance' ? removeInstance(request, estate, op) : removeCluster(request, estate, op);
  const plan: Plan = { ...planHeader(workflowTypes.clusterOperation, request, estate.name), steps, capacity: { checked: false, phases: [], note: `${op.kind} on ${op.cluster}: the other instances and clusters keep serving` }, finalRouting: {} };
  return { ...plan, rollbackRoutes: lbRollbackRoutes(plan, request, [op.cluster]) };
}
