/**
 * The single-cell procedure (seed 002, "The single cell, multiple cluster transition procedure",
 * steps A-F): N+1 goes onto the dormant cluster under the test virtual host, is tested through the
 * test VIP, then moves into production by rewriting plugin-cfg.xml — one node first, then groups —
 * while the version-N servers at weight 0 drain and are stopped. With `strategy.dormantCell` the
 * same plan covers the same-hardware dormant-cell variation, on a file merged from both cells.
 */
import { planHeader, pluginCfgStages, stepKinds, workflowTypes, type Estate, type Plan, type RolloutRequest, type Server, type Step } from '../model';
import { clusterPair, partnersOf, transitionGroups, type ClusterPair } from './clusters';
import { gateFor } from './gates';
import { PlanningError } from './planning-error';
import { checkSharedHardware } from './shared-hardware';
import { completePlan } from './complete-plan';
import { listed } from './listed';

const names = (servers: readonly Server[]): string[] => servers.map((s) => s.name);

function testUrls(estate: Estate, request: RolloutRequest): string[] {
  const vips = estate.cells.flatMap((c) => c.httpServers).filter((h) => h.testPort !== undefined);
  if (vips.length === 0) throw new PlanningError('the smoke test goes through the test VIP: give the estate\'s httpServers a testPort');
  return vips.map((h) => `http://${h.host}:${h.testPort}${request.smokeTest.path}`);
}

function testServers(request: RolloutRequest, pair: ClusterPair): Server[] {
  const wanted = request.strategy.testServers;
  if (!wanted) return pair.incoming.servers;
  const unknown = wanted.filter((n) => !pair.incoming.servers.some((s) => s.name === n));
  if (unknown.length > 0) throw new PlanningError(`$.strategy.testServers: ${unknown.join(', ')} not in ${pair.incoming.name}`);
  return pair.incoming.servers.filter((s) => wanted.includes(s.name));
}

/** Step B: install under test_vhost, regenerate and copy plugin-cfg.xml, start the test servers, a light test. */
function beginTransition(request: RolloutRequest, estate: Estate, pair: ClusterPair, cells: string[]): Step[] {
  const phase = 'test';
  const { incoming, active } = pair;
  const test = estate.virtualHosts.test.name;
  const started = testServers(request, pair);
  const cfg = { kind: stepKinds.pluginCfg, cells, active: active.name, incoming: incoming.name } as const;
  return [
    { id: 'B.install', phase, disruptive: true, kind: stepKinds.install, cell: pair.incomingCell.name, clusters: [incoming.name], version: request.toVersion, artifact: request.artifact, virtualHost: test, title: `B.1 Install ${request.app} ${request.toVersion} on ${incoming.name} under ${test}` },
    { id: 'B.plugin-cfg', phase, disruptive: true, ...cfg, stage: pluginCfgStages.generated, title: `B.1 Regenerate plugin-cfg.xml${cells.length > 1 ? ` merged from cells ${cells.join(' and ')}` : ''} and copy it to every HTTP server` },
    { id: 'B.start', phase, disruptive: true, kind: stepKinds.servers, action: 'start', servers: names(started), title: `B.2 Start ${listed(names(started))} for the final test` },
    { id: 'B.smoke-test', phase, disruptive: false, kind: stepKinds.smokeTest, cell: pair.incomingCell.name, urls: testUrls(estate, request), expectVersion: request.smokeTest.expectVersion ?? request.toVersion, title: `B.2 Light test of ${incoming.name} through the test VIP, expecting ${request.smokeTest.expectVersion ?? request.toVersion}` },
  ];
}

/** Step D: production virtual host, then the transition files group by group. */
function transition(request: RolloutRequest, estate: Estate, pair: ClusterPair, cells: string[], groups: { moved: Server[]; drained: Server[] }[]): Step[] {
  const { incoming, active } = pair;
  const production = estate.virtualHosts.production.name;
  const rest = pair.incoming.servers.filter((s) => !testServers(request, pair).includes(s));
  const steps: Step[] = [gateFor('transition', `${incoming.name} answers ${request.toVersion} through the test VIP. Move it into production?`, request)];
  if (rest.length > 0) steps.push({ id: 'D.start', phase: 'transition', disruptive: true, kind: stepKinds.servers, action: 'start', servers: names(rest), title: `Start the rest of ${incoming.name}: ${listed(names(rest))}` });
  steps.push({ id: 'D.production-vhost', phase: 'transition', disruptive: true, kind: stepKinds.switchVirtualHost, cell: pair.incomingCell.name, clusters: [incoming.name], virtualHost: production, restart: true, title: `D.1 Map ${request.app} on ${incoming.name} to ${production} and restart its servers` });
  groups.forEach((g, i) => {
    const phase = i === 0 ? 'transition' : 'remaining';
    if (i === 1) steps.push(gateFor('remaining', `The first group runs ${request.toVersion} under production load. Move the remaining servers?`, request));
    const movedNow = g.moved.filter((s) => !(groups[i - 1]?.moved ?? []).includes(s));
    steps.push({
      id: `D.group-${i + 1}`, phase, disruptive: true, kind: stepKinds.pluginCfg, stage: pluginCfgStages.transition, cells, active: active.name, incoming: incoming.name, moved: names(g.moved), drained: names(g.drained),
      title: `D.2 Move ${listed(names(movedNow))} into ${active.name} (weight 0: ${listed(names(g.drained)) || 'none'}) and copy plugin-cfg.xml to every HTTP server`,
    });
    if (i === 0) steps.push({ id: 'D.burn-in', phase, disruptive: false, kind: stepKinds.burnIn, seconds: request.burnInSeconds, title: `Burn in the first group on ${request.toVersion} for ${request.burnInSeconds}s under production load` });
  });
  return steps;
}

/** Step F: drain version N, stop it, and write the N+1 cluster's own file. */
function complete(request: RolloutRequest, pair: ClusterPair, cells: string[]): Step[] {
  const { incoming, active } = pair;
  const phase = groupsPhase(request, pair);
  const servers = names(active.servers);
  return [
    { id: 'F.drain', phase, disruptive: false, kind: stepKinds.drain, cell: pair.activeCell.name, servers, measure: 'sessions', title: `Drain ${active.name}: wait for the sessions on ${listed(servers)} to end` },
    { id: 'F.stop', phase, disruptive: true, kind: stepKinds.servers, action: 'stop', servers, title: `F Stop ${listed(servers)}` },
    { id: 'F.plugin-cfg', phase, disruptive: true, kind: stepKinds.pluginCfg, stage: pluginCfgStages.final, cells, active: active.name, incoming: incoming.name, title: `F Write ${incoming.name}'s own plugin-cfg.xml to every HTTP server` },
  ];
}

function groupsPhase(request: RolloutRequest, pair: ClusterPair): string {
  return transitionGroups(request, pair.incoming.servers).length > 1 ? 'remaining' : 'transition';
}

/** The cumulative moved and weight-0 servers after each group. */
export function cumulativeGroups(request: RolloutRequest, pair: ClusterPair): { moved: Server[]; drained: Server[] }[] {
  const groups = transitionGroups(request, pair.incoming.servers);
  return groups.map((_, i) => {
    const moved = groups.slice(0, i + 1).flat();
    const last = i === groups.length - 1;
    // The last group takes every version-N server out of new-session routing (Listing 3).
    return { moved, drained: last ? pair.active.servers : partnersOf(pair, moved) };
  });
}

/** Plans a single-cell rollout. Pure: the same request and estate always give the same plan. */
export function planSingleCell(request: RolloutRequest, estate: Estate): Plan {
  const pair = clusterPair(request, estate);
  if (estate.cells.flatMap((c) => c.httpServers).length === 0) throw new PlanningError('the single-cell procedure rewrites plugin-cfg.xml: the estate has no httpServers');
  const dormantCell = request.strategy.dormantCell !== undefined;
  const cells = dormantCell ? [pair.activeCell.name, pair.incomingCell.name] : [pair.activeCell.name];
  const groups = cumulativeGroups(request, pair);
  const capacity = checkSharedHardware(estate, pair, groups, dormantCell);
  const steps = [...beginTransition(request, estate, pair, cells), ...transition(request, estate, pair, cells, groups), ...complete(request, pair, cells)];
  const plan: Plan = {
    ...planHeader(workflowTypes.singleCellRollout, request, estate.name),
    steps,
    capacity,
    finalRouting: {},
    clusters: { active: pair.active.name, incoming: pair.incoming.name },
  };
  return completePlan(plan, request, estate);
}
