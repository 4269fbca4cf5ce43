/**
 * The rolling upgrade without versioning (seed 000, GlassFish 2's "upgrade components without loss
 * of service"): dynamic reconfiguration off, the application redeployed in place (it reaches an
 * instance only when that instance restarts), then instance by instance: disabled at the load
 * balancer, its session store backed up, stopped, started, its store restored, enabled, reconciled.
 * Dynamic reconfiguration goes back on at the end, and after a rollback or a failure too.
 *
 * Where the seed disables an instance at once (its converged load balancer read replicated sessions
 * on the other instances), turnout first takes it out of new-session routing for a bounded while, so
 * its active users finish there: HAProxy cannot hand a live session to another instance. The store
 * keeps the sessions left. When the request says sessions cannot be stored (`glassfish.sessions:
 * "drain"`), each instance's sessions end before the stop instead (the drain policy), with no store steps.
 */
import { planHeader, stepKinds, workflowTypes, type Estate, type Plan, type RolloutRequest, type Server, type Step } from '../model';
import { gateFor } from './gates';
import { glassfishTarget, instanceCapacity, instancePhase, rampWords, type GlassfishTarget } from './glassfish-target';
import { quiesceInstance } from './versioned-rolling-upgrade';

function store(phase: string, instance: string, op: 'backup' | 'restore' | 'reconcile', title: string): Step {
  return { id: `${phase}.${op}`, phase, disruptive: op !== 'backup', kind: stepKinds.sessionStore, instance, op, title };
}

/**
 * Seed 000 step 4 with the store keeping sessions: the instance first leaves new-session routing and
 * serves its own users for `quiesceSeconds` (or until none is left), then is disabled. The seed's
 * load balancer could disable at once, since another instance read a replicated session; HAProxy
 * cannot hand a live session over, so active users finish here, and the store keeps the idle rest.
 */
function quiesceThenDisable(target: GlassfishTarget, cell: string, name: string, phase: string): Step[] {
  const { quiesceSeconds, inFlightSeconds } = target.settings;
  const steps: Step[] = [
    { id: `${phase}.leave`, phase, disruptive: true, kind: stepKinds.routeMembers, states: { [name]: 'drain' }, title: `4. Take ${name} out of new-session routing: it keeps serving its own users` },
    { id: `${phase}.drain`, phase, disruptive: false, kind: stepKinds.drain, cell, servers: [name], measure: 'sessions', interval: { seconds: quiesceSeconds, full: false }, title: `4. Let the users active on ${name} finish: until its sessions end or ${quiesceSeconds}s pass; the store keeps the rest` },
    { id: `${phase}.disable`, phase, disruptive: true, kind: stepKinds.routeMembers, states: { [name]: 'maint' }, title: `4. Disable ${name} at the load balancer` },
  ];
  if (inFlightSeconds > 0) steps.push({ id: `${phase}.quiesce`, phase, disruptive: false, kind: stepKinds.quiesce, servers: [name], at: 'router', limitSeconds: inFlightSeconds, title: `4. Let the requests in flight to ${name} end (up to ${inFlightSeconds}s)` });
  return steps;
}

function upgradeInstance(request: RolloutRequest, target: GlassfishTarget, instance: Server, index: number): Step[] {
  const phase = instancePhase(instance.name);
  const name = instance.name;
  const preserve = target.settings.sessions === 'preserve';
  const steps: Step[] = [];
  if (index === 1) steps.push(gateFor(phase, `${target.instances[0]?.name} restarted on ${request.toVersion}${preserve ? ' with its sessions' : ''}. Go on with ${target.instances.slice(1).map((s) => s.name).join(', ')}?`, request));
  steps.push(...(preserve ? quiesceThenDisable(target, target.cell.name, name, phase) : quiesceInstance(request, target, instance, phase, '4.')));
  if (preserve) steps.push(store(phase, name, 'backup', `5. Back up the session store of ${name} (to its rollingupgrade folder)`));
  steps.push(
    { id: `${phase}.stop`, phase, disruptive: true, kind: stepKinds.servers, action: 'stop', servers: [name], title: `6. Stop ${name}` },
    { id: `${phase}.start`, phase, disruptive: true, kind: stepKinds.servers, action: 'start', servers: [name], title: `7. Start ${name}: it loads ${request.app} ${request.toVersion}` },
  );
  if (preserve) steps.push(store(phase, name, 'restore', `8. Restore the session store of ${name}`));
  steps.push({ id: `${phase}.enable`, phase, disruptive: true, kind: stepKinds.enableInstance, instance: name, version: request.toVersion, rampUpSeconds: target.settings.rampUpSeconds, title: `9. Enable ${name} at the load balancer once it answers ${request.toVersion} through its own port, ${rampWords(target.settings.rampUpSeconds)}` });
  if (preserve) steps.push(store(phase, name, 'reconcile', `10. Reconcile the session store of ${name}: take the latest copy of each session, which another instance may have updated meanwhile`));
  if (index === 0 && target.instances.length > 1 && request.burnInSeconds > 0) steps.push({ id: `${phase}.burn-in`, phase, disruptive: false, kind: stepKinds.burnIn, seconds: request.burnInSeconds, title: `Burn in ${request.toVersion} on ${name} for ${request.burnInSeconds}s under production load` });
  return steps;
}

/** Plans a rolling upgrade without versioning. Pure. */
export function planRollingUpgrade(request: RolloutRequest, estate: Estate): Plan {
  const target = glassfishTarget(request, estate);
  const cluster = target.cluster.name;
  const last = instancePhase(target.instances.at(-1)?.name ?? '');
  const steps: Step[] = [
    { id: 'prepare.dynamic-reconfig-off', phase: 'prepare', disruptive: true, kind: stepKinds.dynamicReconfig, cluster, enabled: false, title: `2. Turn dynamic reconfiguration off on ${cluster}: a redeploy reaches an instance only when it restarts` },
    { id: 'prepare.redeploy', phase: 'prepare', disruptive: true, kind: stepKinds.deployVersion, cluster, version: request.toVersion, artifact: request.artifact, contextRoot: target.contextRoot, enabled: true, versioned: false, title: `3. Redeploy ${request.app} ${request.toVersion} to ${cluster}; the running instances keep ${request.fromVersion} until they restart` },
    ...target.instances.flatMap((s, i) => upgradeInstance(request, target, s, i)),
    { id: `${last}.dynamic-reconfig-on`, phase: last, disruptive: true, kind: stepKinds.dynamicReconfig, cluster, enabled: true, title: `12. Turn dynamic reconfiguration on again on ${cluster}` },
  ];
  return {
    ...planHeader(workflowTypes.rollingUpgrade, request, estate.name),
    steps,
    capacity: instanceCapacity(estate, target),
    finalRouting: {},
    firstGroupPhase: instancePhase(target.instances[0]?.name ?? ''),
  };
}
