/**
 * The Java-client procedure (seed 002, "Java client application transition", steps A-D): N+1 is
 * installed and started on the dormant cluster and tried by test clients through test bindings;
 * then the InitialContextProvider string binding and the EJB indirect binding are switched to it
 * all at once, its servers restart to pick the namespace up, and the version-N servers are stopped
 * once their ORB connections have gone quiet. Clients move when they next restart.
 */
import { planHeader, hasBindingsFor, stepKinds, workflowTypes, type Estate, type Plan, type RolloutRequest, type Step } from '../model';
import { clusterPair, type ClusterPair } from './clusters';
import { gateFor } from './gates';
import { PlanningError } from './planning-error';
import { checkSharedHardware } from './shared-hardware';
import { completePlan } from './complete-plan';
import { listed } from './listed';

function checkBindings(estate: Estate, pair: ClusterPair): void {
  const bindings = estate.naming?.bindings ?? [];
  if (bindings.length === 0) throw new PlanningError('the Java-client procedure switches configured bindings: the estate\'s naming has none');
  for (const cluster of [pair.active.name, pair.incoming.name]) {
    if (!hasBindingsFor(estate, cluster)) throw new PlanningError(`every configured binding needs a value for ${cluster} ($.estate.naming.bindings)`);
  }
}

function steps(request: RolloutRequest, estate: Estate, pair: ClusterPair): Step[] {
  const { active, incoming } = pair;
  const incomingServers = incoming.servers.map((s) => s.name);
  const activeServers = active.servers.map((s) => s.name);
  const cell = pair.incomingCell.name;
  const expect = request.smokeTest.expectVersion ?? request.toVersion;
  return [
    { id: 'B.install', phase: 'test', disruptive: true, kind: stepKinds.install, cell, clusters: [incoming.name], version: request.toVersion, artifact: request.artifact, virtualHost: estate.virtualHosts.production.name, title: `B Install ${request.app} ${request.toVersion} on ${incoming.name}` },
    { id: 'B.start', phase: 'test', disruptive: true, kind: stepKinds.servers, action: 'start', servers: incomingServers, title: `B Start ${listed(incomingServers)}` },
    { id: 'B.test-clients', phase: 'test', disruptive: false, kind: stepKinds.ejbSmokeTest, cluster: incoming.name, calls: request.smokeTest.requests, expectVersion: expect, title: `B Test clients call ${incoming.name} through test bindings, expecting ${expect}` },
    gateFor('switch', `Test clients reach ${request.toVersion} on ${incoming.name}. Switch the bindings?`, request),
    { id: 'C.bindings', phase: 'switch', disruptive: true, kind: stepKinds.switchBindings, cluster: incoming.name, title: `C.1 Point the InitialContextProvider and EJB bindings at ${incoming.name}` },
    { id: 'C.restart', phase: 'switch', disruptive: true, kind: stepKinds.servers, action: 'restart', servers: incomingServers, title: `C.2 Restart ${listed(incomingServers)} to pick up the namespace` },
    { id: 'C.quiet', phase: 'switch', disruptive: false, kind: stepKinds.drain, cell: pair.activeCell.name, servers: activeServers, measure: 'connections', title: `C.4 Wait until the ORB connections to ${listed(activeServers)} are quiet` },
    { id: 'D.stop', phase: 'switch', disruptive: true, kind: stepKinds.servers, action: 'stop', servers: activeServers, title: `D Stop ${listed(activeServers)}` },
  ];
}

/** Plans a Java-client rollout. Pure. */
export function planJavaClient(request: RolloutRequest, estate: Estate): Plan {
  const pair = clusterPair(request, estate);
  checkBindings(estate, pair);
  // All at once (step C): every incoming server takes clients as soon as the bindings switch.
  const capacity = checkSharedHardware(estate, pair, [{ moved: pair.incoming.servers, drained: pair.active.servers }], request.strategy.dormantCell !== undefined);
  const plan: Plan = {
    ...planHeader(workflowTypes.javaClientRollout, request, estate.name),
    steps: steps(request, estate, pair),
    capacity,
    finalRouting: {},
    clusters: { active: pair.active.name, incoming: pair.incoming.name },
  };
  return completePlan(plan, request, estate);
}
