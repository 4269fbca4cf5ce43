/**
 * The multi-cell procedure (seed 002, "Application rollout with multiple cells", steps A-D),
 * generalised to N >= 2 cells. Each cell in turn leaves new-session routing at the IP sprayer,
 * drains, takes N+1 under the test virtual host, is smoke-tested through the test VIP, moves to the
 * production virtual host, takes new sessions again and burns in. Before the next cell is drained,
 * a gate asks for confidence in N+1 ("once you have confidence...", step C.3).
 */
import { planHeader, stepKinds, workflowTypes, type Cell, type Estate, type Plan, type RolloutRequest, type Step } from '../model';
import { checkCellCapacity } from './capacity';
import { completePlan } from './complete-plan';
import { gateFor } from './gates';
import { PlanningError } from './planning-error';
import { listed } from './listed';

/** The order cells are rolled in: the request's `strategy.cellOrder`, else estate order. */
function orderCells(request: RolloutRequest, estate: Estate): Cell[] {
  const order = request.strategy.cellOrder;
  if (!order) return estate.cells;
  const byName = new Map(estate.cells.map((c) => [c.name, c]));
  const unknown = order.filter((name) => !byName.has(name));
  if (unknown.length > 0) throw new PlanningError(`$.strategy.cellOrder names unknown cell(s) ${unknown.join(', ')}; the estate has ${[...byName.keys()].join(', ')}`);
  const missing = estate.cells.filter((c) => !order.includes(c.name)).map((c) => c.name);
  if (missing.length > 0 || new Set(order).size !== order.length) throw new PlanningError(`$.strategy.cellOrder must name every cell once; missing ${missing.join(', ') || 'none'}`);
  return order.map((name) => byName.get(name) as Cell);
}

function activeClusters(cell: Cell): Cell['clusters'] {
  const active = cell.clusters.filter((k) => k.state === 'active');
  if (active.length === 0) throw new PlanningError(`cell ${cell.name} has no active cluster to roll; the multi-cell procedure needs every cell serving`);
  return active;
}

function testUrls(cell: Cell, request: RolloutRequest): string[] {
  const vips = cell.httpServers.filter((h) => h.testPort !== undefined);
  if (vips.length === 0) throw new PlanningError(`cell ${cell.name} has no test VIP: give its httpServers a testPort for the smoke test`);
  return vips.map((h) => `http://${h.host}:${h.testPort}${request.smokeTest.path}`);
}

/** Steps B.1-B.4 and C.1-C.2 of the seed, for one cell. */
function cellSteps(cell: Cell, request: RolloutRequest, estate: Estate): Step[] {
  const phase = `cell-${cell.name}`;
  const clusters = activeClusters(cell).map((k) => k.name);
  const servers = activeClusters(cell).flatMap((k) => k.servers.map((s) => s.name));
  const { production, test } = estate.virtualHosts;
  const c = cell.name;
  return [
    { id: `${c}.stop-new-sessions`, phase, disruptive: true, kind: stepKinds.routeCell, cell: c, state: 'drain', title: `Route new sessions away from cell ${c} (sprayer: ${c} drain); its sessions stay by affinity` },
    { id: `${c}.drain`, phase, disruptive: false, kind: stepKinds.drain, cell: c, servers, title: `Drain cell ${c}: wait for the sessions on ${listed(servers)} to end` },
    { id: `${c}.install`, phase, disruptive: true, kind: stepKinds.install, cell: c, clusters, version: request.toVersion, artifact: request.artifact, virtualHost: test.name, title: `Install ${request.app} ${request.toVersion} on ${clusters.join(', ')} under ${test.name}` },
    { id: `${c}.smoke-test`, phase, disruptive: false, kind: stepKinds.smokeTest, cell: c, urls: testUrls(cell, request), expectVersion: request.smokeTest.expectVersion ?? request.toVersion, title: `Smoke-test cell ${c} through the test VIP, expecting ${request.smokeTest.expectVersion ?? request.toVersion}` },
    { id: `${c}.production-vhost`, phase, disruptive: true, kind: stepKinds.switchVirtualHost, cell: c, clusters, virtualHost: production.name, restart: true, title: `Map ${request.app} on ${clusters.join(', ')} to ${production.name} and restart the servers` },
    { id: `${c}.route-new-sessions`, phase, disruptive: true, kind: stepKinds.routeCell, cell: c, state: 'ready', title: `Route new sessions to cell ${c} again (sprayer: ${c} ready)` },
    { id: `${c}.burn-in`, phase, disruptive: false, kind: stepKinds.burnIn, seconds: request.burnInSeconds, title: `Burn in cell ${c} on ${request.toVersion} for ${request.burnInSeconds}s under production load` },
  ];
}

/** Plans a multi-cell rollout. Pure: the same request and estate always give the same plan. */
export function planMultiCell(request: RolloutRequest, estate: Estate): Plan {
  if (!estate.sprayer) throw new PlanningError('the multi-cell procedure routes through an IP sprayer: the estate has no `sprayer`');
  if (estate.cells.length < 2) throw new PlanningError(`the multi-cell procedure needs at least 2 cells; estate ${estate.name} has ${estate.cells.length}`);
  const cells = orderCells(request, estate);
  const capacity = checkCellCapacity(estate, cells.map((c) => c.name));
  const steps = cells.flatMap((cell, i) => {
    const own = cellSteps(cell, request, estate);
    if (i === 0) return own;
    const prev = cells[i - 1]?.name ?? '';
    return [gateFor(`cell-${cell.name}`, `Cell ${prev} runs ${request.toVersion} under production load. Confident enough to drain cell ${cell.name}?`, request), ...own];
  });
  const plan: Plan = {
    ...planHeader(workflowTypes.multiCellRollout, request, estate.name),
    steps,
    capacity,
    finalRouting: Object.fromEntries(cells.map((c) => [c.name, 'ready'])),
  };
  return completePlan(plan, request, estate, cells.map((c) => c.name));
}
