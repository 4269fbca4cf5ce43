/**
 * The rollback route: what a rollback does, in order, from wherever the rollout stands. The workflow
 * computes it when a rollback starts; planners compute it for the furthest point of each phase, so
 * `turnout plan` shows it before anything changes. Pure.
 *
 * The rule (DESIGN, "Rollback"): a rollback never leaves the site without a cell (or cluster) that
 * takes new sessions. Where every cell already holds N+1, N+1 keeps serving until N is back on one
 * cell (drain, reinstall, route), and the rest follow in reverse order of the rollout.
 */
import type { CellRoutingState, Plan, RolloutRequest, Step } from '../model';

/** Where a multi-cell rollout stands when its rollback begins. */
export interface CellRollbackInput {
  /** Cells in rollout order. */
  order: readonly string[];
  /** Each cell's sprayer state before the rollout. */
  before: Readonly<Record<string, CellRoutingState>>;
  /** Cells where N+1 was (or may have been) installed. */
  tainted: readonly string[];
  /** Tainted cells routed `ready` now: they take new sessions on N+1. */
  serving: readonly string[];
  /** Whether N is reinstalled where N+1 went (`rollback.reinstallPrevious`). */
  reinstall: boolean;
}

/** A multi-cell rollback route. */
export interface CellRollbackRoute {
  /** The first move, one step: every cell's sprayer state. */
  routing: Record<string, CellRoutingState>;
  /** Cells holding N+1 that keep taking new sessions, because no cell on N would take them yet. */
  keep: string[];
  /** Repairs in order; `hold` when the cell must first leave new-session routing (it was kept serving). */
  repairs: { cell: string; hold: boolean }[];
  /** Kept cells that cannot leave routing, since no other cell would take new sessions: left for a person. */
  stranded: string[];
}

/** Computes the multi-cell route. */
export function cellRollbackRoute(input: CellRollbackInput): CellRollbackRoute {
  const { order, before } = input;
  const tainted = order.filter((c) => input.tainted.includes(c));
  const onN = order.filter((c) => !tainted.includes(c) && before[c] === 'ready');
  const keep = onN.length > 0 ? [] : tainted.filter((c) => input.serving.includes(c));
  const routing = Object.fromEntries(order.map((c) => [c, !tainted.includes(c) ? (before[c] ?? 'ready') : keep.includes(c) ? 'ready' : 'drain'])) as Record<string, CellRoutingState>;
  if (!input.reinstall) return { routing, keep, repairs: [], stranded: [] };
  // Reverse order of the rollout, but cells that are not serving first: they cost nobody a session.
  const reversed = [...tainted].reverse();
  const ordered = [...reversed.filter((c) => !keep.includes(c)), ...reversed.filter((c) => keep.includes(c))];
  const serving = new Set(order.filter((c) => routing[c] === 'ready'));
  const repairs: CellRollbackRoute['repairs'] = [];
  const stranded: string[] = [];
  for (const cell of ordered) {
    const hold = keep.includes(cell);
    if (hold && ![...serving].some((c) => c !== cell)) {
      stranded.push(cell);
      continue;
    }
    repairs.push({ cell, hold });
    if ((before[cell] ?? 'ready') === 'ready') serving.add(cell);
    else serving.delete(cell);
  }
  return { routing, keep, repairs, stranded };
}

const list = (cells: readonly string[]): string => cells.join(', ');

/** The versions a route speaks of. */
export interface RouteVersions {
  from: string;
  to: string;
}

/** The title of the first, one-step routing move. */
export function cellRoutingTitle(route: CellRollbackRoute, v: RouteVersions): string {
  const held = Object.entries(route.routing).filter(([c, s]) => s === 'drain' && !route.keep.includes(c)).map(([c]) => c);
  const others = Object.keys(route.routing).filter((c) => !held.includes(c) && !route.keep.includes(c));
  const parts = [
    ...(route.keep.length > 0 ? [`no cell runs ${v.from} yet, so ${list(route.keep)} keep taking new sessions on ${v.to}`] : []),
    ...(held.length > 0 ? [`${list(held)} ${held.length === 1 ? 'holds its' : 'hold their'} ${v.to} sessions and take${held.length === 1 ? 's' : ''} no new ones (drain)`] : []),
    ...(others.length > 0 ? [`${list(others)} as before the rollout`] : []),
  ];
  return `Restore routing: ${parts.join('; ')}`;
}

/** The titles of one cell's repair, in order. */
function cellRepairTitles(cell: string, hold: boolean, others: readonly string[], v: RouteVersions & { virtualHost: string; app: string; state: CellRoutingState }): { hold?: string; drain: string; reinstall: string; route: string } {
  return {
    ...(hold ? { hold: `Take cell ${cell} out of new-session routing (drain) while ${list(others)} serve${others.length === 1 ? 's' : ''}` } : {}),
    drain: `Let the ${v.to} sessions on cell ${cell} end`,
    reinstall: `Reinstall ${v.app} ${v.from} on cell ${cell} under ${v.virtualHost}`,
    route: `Give cell ${cell} back its routing from before the rollout (${v.state})`,
  };
}

/** One cell's repair as the route takes it: its state before the rollout, and its steps' titles. */
export interface CellRepair {
  cell: string;
  hold: boolean;
  state: CellRoutingState;
  titles: ReturnType<typeof cellRepairTitles>;
}

/** Each repair of the route, in order, titled with the cells that serve while it happens. */
export function cellRepairs(route: CellRollbackRoute, v: RouteVersions & { virtualHost: string; app: string }, before: Readonly<Record<string, CellRoutingState>>): CellRepair[] {
  const serving = new Set(Object.entries(route.routing).filter(([, s]) => s === 'ready').map(([c]) => c));
  return route.repairs.map(({ cell, hold }) => {
    const state = before[cell] ?? 'ready';
    const titles = cellRepairTitles(cell, hold, [...serving].filter((c) => c !== cell), { ...v, state });
    if (state === 'ready') serving.add(cell);
    else serving.delete(cell);
    return { cell, hold, state, titles };
  });
}

/** The route as lines: the first move, then each cell's repair. */
export function describeCellRoute(route: CellRollbackRoute, v: RouteVersions & { virtualHost: string; app: string }, before: Readonly<Record<string, CellRoutingState>>): string[] {
  const lines = [cellRoutingTitle(route, v)];
  for (const { cell, titles: t } of cellRepairs(route, v, before)) {
    lines.push(`Cell ${cell}: ${[t.hold, t.drain, t.reinstall, t.route].filter(Boolean).map((x) => (x as string).replace(/^./, (ch) => ch.toLowerCase())).join('; then ')}`);
  }
  for (const cell of route.stranded) lines.push(`Cell ${cell} keeps ${v.to}: no other cell takes new sessions while it would drain; a person repairs it or leaves it as is`);
  if (route.repairs.length === 0 && route.keep.length > 0) lines.push(`${list(route.keep)} keep ${v.to}: rollback.reinstallPrevious is false`);
  return lines;
}

/** Where a single-cell or Java-client rollout stands when its rollback begins. */
export interface ClusterRollbackInput {
  /** Servers the rollout stopped that ran before it: started again. */
  startAgain: readonly string[];
  /** Servers the rollout started that did not run before it: stopped again. */
  stopAgain: readonly string[];
  /** Single cell: a plugin-cfg.xml was written. */
  wrote: boolean;
  /** Single cell: incoming servers moved into production routing (their sessions are held, then end). */
  moved: readonly string[];
  /** Java clients: the bindings were switched. */
  bindingsSwitched: boolean;
  /** Java clients: incoming servers whose ORB connections are let go quiet before they stop. */
  quiet: readonly string[];
}

/** One move of a single-cell or Java-client rollback. */
export interface ClusterRollbackMove {
  id: string;
  title: string;
}

/** The single-cell rollback's moves: N's servers first, then routing (a hold file while N+1 sessions end), then the rest. */
export function singleCellMoves(s: ClusterRollbackInput): ClusterRollbackMove[] {
  const hold = s.wrote && s.moved.length > 0;
  return [
    ...(s.startAgain.length > 0 ? [{ id: 'rollback.start', title: `Start ${list(s.startAgain)} again: version N takes its traffic back` }] : []),
    ...(s.wrote ? [{ id: 'rollback.routing', title: hold ? `Restore routing: version N takes every new session; ${list(s.moved)} keep their sessions` : "Restore every HTTP server's plugin-cfg.xml byte for byte" }] : []),
    ...(hold ? [{ id: 'rollback.drain', title: `Let the N+1 sessions on ${list(s.moved)} end` }, { id: 'rollback.plugin-cfg', title: "Restore every HTTP server's plugin-cfg.xml byte for byte" }] : []),
    ...(s.stopAgain.length > 0 ? [{ id: 'rollback.stop', title: `Stop ${list(s.stopAgain)}: the cluster is dormant again` }] : []),
  ];
}

/**
 * The Java-client rollback's moves. Version N's servers start before the bindings point back at
 * them, so a client that starts in between never finds the old cluster down.
 */
export function javaClientMoves(s: ClusterRollbackInput): ClusterRollbackMove[] {
  return [
    ...(s.startAgain.length > 0 ? [{ id: 'rollback.start', title: `Start ${list(s.startAgain)} again` }] : []),
    ...(s.bindingsSwitched ? [{ id: 'rollback.bindings', title: 'Switch the InitialContextProvider and EJB bindings back: new clients start on version N' }] : []),
    ...(s.bindingsSwitched && s.quiet.length > 0 ? [{ id: 'rollback.quiet', title: `Wait until the ORB connections to ${list(s.quiet)} are quiet` }] : []),
    ...(s.stopAgain.length > 0 ? [{ id: 'rollback.stop', title: `Stop ${list(s.stopAgain)}: the cluster is dormant again` }] : []),
  ];
}

type Phased = { phase: string; steps: Step[] };

function phasesOf(plan: Plan): Phased[] {
  const out: Phased[] = [];
  for (const step of plan.steps) {
    const last = out.at(-1);
    if (last && last.phase === step.phase) last.steps.push(step);
    else out.push({ phase: step.phase, steps: [step] });
  }
  return out;
}

/** The cluster procedures' state after `steps`, as their rollback would find it. */
function clusterStateAfter(steps: readonly Step[], plan: Plan, running: readonly string[]): ClusterRollbackInput {
  const started = new Set<string>();
  const stopped = new Set<string>();
  let moved: string[] = [];
  let wrote = false;
  let bindingsSwitched = false;
  let quiet: string[] = [];
  for (const step of steps) {
    if (step.kind === 'servers' && step.action === 'start') step.servers.forEach((s) => started.add(s));
    if (step.kind === 'servers' && step.action === 'stop') step.servers.forEach((s) => stopped.add(s));
    if (step.kind === 'pluginCfg') wrote = true;
    if (step.kind === 'pluginCfg' && step.moved) moved = step.moved;
    if (step.kind === 'switchBindings') bindingsSwitched = true;
    if (step.kind === 'servers' && step.action === 'start' && plan.workflowType === 'javaClientRollout') quiet = [...started];
  }
  const before = new Set(running);
  return {
    startAgain: [...stopped].filter((s) => before.has(s)),
    stopAgain: [...started].filter((s) => !before.has(s)),
    wrote,
    moved,
    bindingsSwitched,
    quiet: quiet.filter((s) => !before.has(s)),
  };
}

/** What the planners know about the estate for the routes. */
export interface RouteEstate {
  /** Cells in rollout order (multi-cell). */
  cells: readonly string[];
  /** Servers running before the rollout (single cell, Java clients). */
  running: readonly string[];
  virtualHost: string;
}

/** The rollback route of each phase of `plan`, at the phase's furthest point. Pure. */
export function planRollbackRoutes(plan: Plan, request: RolloutRequest, estate: RouteEstate): NonNullable<Plan['rollbackRoutes']> {
  const v = { from: request.fromVersion, to: request.toVersion, app: request.app, virtualHost: estate.virtualHost };
  const done: Step[] = [];
  return phasesOf(plan).map(({ phase, steps }) => {
    done.push(...steps);
    if (plan.workflowType === 'multiCellRollout') {
      const tainted = [...new Set(done.flatMap((s) => (s.kind === 'install' ? [s.cell] : [])))];
      const before = Object.fromEntries(estate.cells.map((c) => [c, 'ready' as const]));
      const route = cellRollbackRoute({ order: estate.cells, before, tainted, serving: tainted, reinstall: request.rollback.reinstallPrevious });
      return { phase, route: describeCellRoute(route, v, before) };
    }
    const state = clusterStateAfter(done, plan, estate.running);
    const moves = plan.workflowType === 'javaClientRollout' ? javaClientMoves(state) : singleCellMoves(state);
    return { phase, route: moves.map((m) => m.title) };
  });
}
