/**
 * The rolling upgrade with application versioning (seed 001, GlassFish 3.1 and later, Payara):
 * N+1 is delivered disabled to every instance beside N, then one instance at a time is quiesced at
 * the load balancer, switched (N disabled, N+1 enabled, on that instance only), checked through its
 * own port and given back. No restart, and dynamic reconfiguration stays on.
 *
 * 1. Deploy `app:N+1` disabled to the cluster. Then for each instance: 2. quiesce it (no new
 * sessions), wait for its sessions to end (the drain policy), take it out of routing and let the
 * requests in flight end; 3. switch it to N+1 and check it answers N+1 through its own port;
 * 4. give it back to the load balancer. A gate follows the first instance.
 */
import { planHeader, stepKinds, workflowTypes, type Estate, type Plan, type RolloutRequest, type Server, type Step } from '../model';
import { gateFor } from './gates';
import { glassfishTarget, instanceCapacity, instancePhase, rampWords, type GlassfishTarget } from './glassfish-target';

/** Steps 2–4 for one instance: quiesce, drain, switch, check, give back. */
export function quiesceInstance(request: RolloutRequest, target: GlassfishTarget, instance: Server, phase: string, number: string): Step[] {
  const p = phase;
  const name = instance.name;
  const steps: Step[] = [
    { id: `${p}.leave`, phase, disruptive: true, kind: stepKinds.routeMembers, states: { [name]: 'drain' }, title: `${number} Quiesce ${name} at the load balancer: it takes no new sessions and keeps its own` },
    { id: `${p}.drain`, phase, disruptive: false, kind: stepKinds.drain, cell: target.cell.name, servers: [name], measure: 'sessions', title: `${number} Wait for the sessions on ${name} to end` },
    { id: `${p}.out`, phase, disruptive: true, kind: stepKinds.routeMembers, states: { [name]: 'maint' }, title: `${number} Take ${name} out of routing: a late request goes to another instance, not to a switching one` },
  ];
  const limit = target.settings.inFlightSeconds;
  if (limit > 0) steps.push({ id: `${p}.quiesce`, phase, disruptive: false, kind: stepKinds.quiesce, servers: [name], at: 'router', limitSeconds: limit, title: `${number} Let the requests in flight to ${name} end (up to ${limit}s)` });
  return steps;
}

function upgradeInstance(request: RolloutRequest, target: GlassfishTarget, instance: Server, index: number): Step[] {
  const phase = instancePhase(instance.name);
  const name = instance.name;
  const steps: Step[] = [];
  if (index === 1) steps.push(gateFor(phase, `${target.instances[0]?.name} serves ${request.app}:${request.toVersion}. Go on with ${target.instances.slice(1).map((s) => s.name).join(', ')}?`, request));
  steps.push(
    ...quiesceInstance(request, target, instance, phase, '2.'),
    { id: `${phase}.switch`, phase, disruptive: true, kind: stepKinds.switchVersion, instance: name, version: request.toVersion, checkSeconds: target.settings.checkSeconds, title: `3. Switch ${name} to ${request.app}:${request.toVersion} (disable ${request.fromVersion} there, then enable ${request.toVersion}) and check it answers ${request.toVersion} through its own port` },
    { id: `${phase}.enable`, phase, disruptive: true, kind: stepKinds.enableInstance, instance: name, version: request.toVersion, rampUpSeconds: target.settings.rampUpSeconds, title: `4. Give ${name} back to the load balancer, ${rampWords(target.settings.rampUpSeconds)}` },
  );
  if (index === 0 && target.instances.length > 1 && request.burnInSeconds > 0) steps.push({ id: `${phase}.burn-in`, phase, disruptive: false, kind: stepKinds.burnIn, seconds: request.burnInSeconds, title: `Burn in ${request.toVersion} on ${name} for ${request.burnInSeconds}s under production load` });
  return steps;
}

/** Plans a versioned rolling upgrade. Pure. */
export function planVersionedRollingUpgrade(request: RolloutRequest, estate: Estate): Plan {
  const target = glassfishTarget(request, estate);
  const cluster = target.cluster.name;
  const deploy: Step = { id: 'deploy.disabled', phase: 'deploy', disruptive: true, kind: stepKinds.deployVersion, cluster, version: request.toVersion, artifact: request.artifact, contextRoot: target.contextRoot, enabled: false, versioned: true, title: `1. Deploy ${request.app}:${request.toVersion} disabled to ${cluster} (context root ${target.contextRoot}), beside ${request.fromVersion}, which keeps serving` };
  const steps = [deploy, ...target.instances.flatMap((s, i) => upgradeInstance(request, target, s, i))];
  return {
    ...planHeader(workflowTypes.versionedRollingUpgrade, request, estate.name),
    steps,
    capacity: instanceCapacity(estate, target),
    finalRouting: {},
    firstGroupPhase: instancePhase(target.instances[0]?.name ?? ''),
  };
}
