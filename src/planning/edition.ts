/**
 * The edition rollout (seed 003, "Performing a rollout on an edition"): the new edition replaces the
 * running one member by member behind the on-demand router, atomically (half the cluster at a time,
 * so every user is served one consistent edition) or in groups (once N+1 is available, new sessions
 * go to N+1 only, and N members keep their affinity sessions until they drain).
 *
 * For each group: leave new-session routing, drain (the drainage interval), let the requests still
 * in flight end at the router and in the server (the quiesce), reset (soft: the application restarts
 * in the running server; hard: the server restarts), check, and route. In validation mode, N+1 first
 * runs on a clone of the cluster reached only through the test route, until a person approves.
 */
import { planHeader, stepKinds, workflowTypes, type CellRoutingState, type Estate, type Plan, type RolloutRequest, type Server, type Step } from '../model';
import { serverQuiesceSecondsOf, type EditionSettings } from '../model/request';
import { checkEditionCapacity } from './edition-capacity';
import { estimateEditionDuration } from './edition-estimate';
import { editionGroups, editionSettingsOf, editionTarget, type EditionGroup, type EditionTarget } from './edition-groups';
import { editionRollbackRoutes } from './edition-rollback-route';
import { gateFor } from './gates';
import { PlanningError } from './planning-error';

const names = (servers: readonly Server[]): string[] => servers.map((s) => s.name);
const list = (servers: readonly Server[]): string => names(servers).join(', ');

function states(servers: readonly Server[], state: CellRoutingState): Record<string, CellRoutingState> {
  return Object.fromEntries(servers.map((s) => [s.name, state]));
}

/** The validation phase: N+1 on the clone, its bindings under `-validation`, tested through the test route, then a person's approval. */
function validation(request: RolloutRequest, estate: Estate, target: EditionTarget): Step[] {
  const clone = target.clone;
  const listen = estate.sprayer?.testListen;
  if (!clone || !listen) return [];
  const phase = 'validation';
  const cluster = target.cluster.name;
  const expect = request.smokeTest.expectVersion ?? request.toVersion;
  const test = estate.virtualHosts.test.name;
  return [
    { id: 'validation.install', phase, disruptive: true, kind: stepKinds.install, cell: target.cell.name, clusters: [clone.name], version: request.toVersion, artifact: request.artifact, virtualHost: test, title: `Install ${request.app} ${request.toVersion} on the validation clone ${clone.name} under ${test}` },
    { id: 'validation.start', phase, disruptive: true, kind: stepKinds.servers, action: 'start', servers: names(clone.servers), title: `Start the clone's members ${list(clone.servers)}` },
    { id: 'validation.bindings', phase, disruptive: true, kind: stepKinds.validationBindings, cluster, action: 'bind', title: `Bind ${cluster}'s resources for the clone under clusters/${cluster}-validation/` },
    { id: 'validation.smoke-test', phase, disruptive: false, kind: stepKinds.smokeTest, cell: target.cell.name, urls: [`http://${listen.host}:${listen.port}${request.smokeTest.path}`], expectVersion: expect, title: `Test the clone through the test route only, expecting ${expect}` },
    { id: `${phase}.approval`, phase, disruptive: false, kind: stepKinds.approval, gate: 'manual', question: `${request.toVersion} runs on the validation clone ${clone.name}. End validation and roll it out on ${cluster}?`, title: 'Approval to end validation (always a person: validation exists to be judged)' },
  ];
}

/** Steps that take a group from N to N+1: drain, quiesce, reset and check. */
function resetGroup(request: RolloutRequest, settings: EditionSettings, target: EditionTarget, group: EditionGroup, index: number): Step[] {
  const { phase, members } = group;
  const interval = settings.drainageIntervalSeconds;
  const serverQuiesce = serverQuiesceSecondsOf(settings);
  const drainTitle = settings.fullDrainageInterval
    ? `Drain ${list(members)}: wait the full drainage interval, ${interval}s`
    : interval > 0
      ? `Drain ${list(members)}: wait until their sessions end or ${interval}s pass, whichever is first`
      : `Drain ${list(members)}: wait until their sessions end`;
  const steps: Step[] = [
    { id: `${phase}.drain`, phase, disruptive: false, kind: stepKinds.drain, cell: target.cell.name, servers: names(members), measure: 'sessions', ...(interval > 0 ? { interval: { seconds: interval, full: settings.fullDrainageInterval } } : {}), title: drainTitle },
  ];
  if (settings.routerQuiesceSeconds > 0) steps.push({ id: `${phase}.quiesce-router`, phase, disruptive: false, kind: stepKinds.quiesce, servers: names(members), at: 'router', limitSeconds: settings.routerQuiesceSeconds, title: `Let the requests in flight to ${list(members)} end at the router (up to ${settings.routerQuiesceSeconds}s)` });
  if (serverQuiesce > 0) steps.push({ id: `${phase}.quiesce-server`, phase, disruptive: false, kind: stepKinds.quiesce, servers: names(members), at: 'server', limitSeconds: serverQuiesce, title: `Let the requests in flight in ${list(members)} end in the server (up to ${serverQuiesce}s)` });
  const how = settings.reset === 'soft' ? 'soft: the application restarts, the server stays up' : 'hard: the server restarts';
  steps.push({ id: `${phase}.reset`, phase, disruptive: true, kind: stepKinds.resetMembers, servers: names(members), reset: settings.reset, version: request.toVersion, artifact: request.artifact, group: index + 1, title: `Reset ${list(members)} to ${request.toVersion} (${how}) and check each answers it` });
  return steps;
}

const burnIn = (request: RolloutRequest, phase: string, who: string): Step => ({ id: `${phase}.burn-in`, phase, disruptive: false, kind: stepKinds.burnIn, seconds: request.burnInSeconds, title: `Burn in ${request.toVersion} on ${who} for ${request.burnInSeconds}s under production load` });

/** Atomic (seed 003): each half leaves routing, resets and is checked; new sessions switch halves in one router change. */
function atomic(request: RolloutRequest, settings: EditionSettings, target: EditionTarget, groups: EditionGroup[]): Step[] {
  const [first, second] = groups;
  if (!first) return [];
  const steps: Step[] = [{ id: 'first-half.leave', phase: first.phase, disruptive: true, kind: stepKinds.routeMembers, states: states(first.members, 'drain'), title: `Take ${list(first.members)} out of new-session routing; ${second ? list(second.members) : 'nobody'} take${second && second.members.length === 1 ? 's' : ''} every new session on ${request.fromVersion}` }, ...resetGroup(request, settings, target, first, 0)];
  if (!second) {
    steps.push({ id: 'first-half.route', phase: first.phase, disruptive: true, kind: stepKinds.routeMembers, states: states(first.members, 'ready'), title: `Route new sessions to ${list(first.members)} on ${request.toVersion}` });
    return steps;
  }
  const phase = second.phase;
  steps.push(
    gateFor(phase, `${list(first.members)} run ${request.toVersion} and answer it. Switch every new session to them and roll ${list(second.members)}?`, request),
    { id: `${phase}.switch`, phase, disruptive: true, kind: stepKinds.routeMembers, states: { ...states(first.members, 'ready'), ...states(second.members, 'drain') }, title: `Switch new sessions from ${list(second.members)} (${request.fromVersion}) to ${list(first.members)} (${request.toVersion}) in one router change` },
    burnIn(request, phase, list(first.members)),
    ...resetGroup(request, settings, target, second, 1),
    { id: `${phase}.route`, phase, disruptive: true, kind: stepKinds.routeMembers, states: states(second.members, 'ready'), title: `Route new sessions to ${list(second.members)} too` },
  );
  return steps;
}

/** Grouped (seed 003): once the first group runs N+1, every new session goes to N+1 members; the rest drain group by group. */
function grouped(request: RolloutRequest, settings: EditionSettings, target: EditionTarget, groups: EditionGroup[]): Step[] {
  const all = target.cluster.servers;
  const steps: Step[] = [];
  groups.forEach((group, i) => {
    const { phase, members } = group;
    if (i === 0) steps.push({ id: `${phase}.leave`, phase, disruptive: true, kind: stepKinds.routeMembers, states: states(members, 'drain'), title: `Take ${list(members)} out of new-session routing; the others take every new session on ${request.fromVersion}` });
    else steps.push(gateFor(phase, `${request.toVersion} serves every new session. Roll ${list(members)}?`, request));
    steps.push(...resetGroup(request, settings, target, group, i));
    if (i === 0) {
      const rest = all.filter((s) => !members.includes(s));
      steps.push({ id: `${phase}.switch`, phase, disruptive: true, kind: stepKinds.routeMembers, states: { ...states(members, 'ready'), ...states(rest, 'drain') }, title: rest.length > 0 ? `Switch every new session to ${list(members)} on ${request.toVersion}; ${list(rest)} keep their sessions on ${request.fromVersion} and drain` : `Route new sessions to ${list(members)} on ${request.toVersion}` });
      if (groups.length > 1) steps.push(burnIn(request, phase, list(members)));
    } else {
      steps.push({ id: `${phase}.route`, phase, disruptive: true, kind: stepKinds.routeMembers, states: states(members, 'ready'), title: `Route new sessions to ${list(members)} too` });
    }
  });
  return steps;
}

/** After the last group in validation mode: the clone goes, and the bindings take their names back. */
function endValidation(target: EditionTarget, phase: string): Step[] {
  const clone = target.clone;
  if (!clone) return [];
  const cluster = target.cluster.name;
  return [
    { id: 'validation.remove', phase, disruptive: true, kind: stepKinds.servers, action: 'stop', servers: names(clone.servers), title: `Remove the validation clone: stop ${list(clone.servers)}` },
    { id: 'validation.promote', phase, disruptive: true, kind: stepKinds.validationBindings, cluster, action: 'promote', title: `Rename the bindings under clusters/${cluster}-validation/ back to clusters/${cluster}/` },
  ];
}

/** Plans an edition rollout. Pure: the same request and estate always give the same plan. */
export function planEdition(request: RolloutRequest, estate: Estate): Plan {
  const settings = editionSettingsOf(request);
  const target = editionTarget(request, estate);
  const groups = editionGroups(request, target.cluster);
  const whole = groups[0]?.members.length ?? 0;
  if (groups.length === 1 && whole > 1) {
    throw new PlanningError(`$.edition.groupSize: one group of all ${whole} members of ${target.cluster.name} would leave nobody to take new sessions while it resets; use a groupSize below ${whole}, or an atomic rollout`);
  }
  const capacity = checkEditionCapacity(estate, groups, target.cluster.servers);
  const rolled = settings.rolloutType === 'atomic' ? atomic(request, settings, target, groups) : grouped(request, settings, target, groups);
  const last = groups.at(-1)?.phase ?? 'group-1';
  const steps = [...validation(request, estate, target), ...rolled, ...endValidation(target, last)];
  const plan: Plan = {
    ...planHeader(workflowTypes.editionRollout, request, estate.name),
    steps,
    capacity,
    finalRouting: {},
    firstGroupPhase: groups[0]?.phase,
    estimate: estimateEditionDuration(request, estate, settings, groups.length, steps.filter((s) => s.kind === 'burnIn').length),
  };
  return { ...plan, rollbackRoutes: editionRollbackRoutes(plan, request, target, groups) };
}
