/**
 * The edition rollout's rollback route (seed 003: "A `rollback` at any moment rolls everything
 * back"; DESIGN, "Rollback"). Groups play the part cells play in the multi-cell route, so the same
 * rule holds: routing comes first, in one router change, and the cluster never lacks a member that
 * takes new sessions. Members still on N go back to their routing from before; groups holding N+1
 * drain, unless no member on N is left, in which case N+1 keeps serving until one group is back on
 * N. Groups are repaired in reverse order: drain, reset to N, route. Pure.
 */
import type { CellRoutingState, Plan, RolloutRequest } from '../model';
import { cellRollbackRoute } from './rollback-route';
import type { EditionGroup, EditionTarget } from './edition-groups';

/** Where an edition rollout stands when its rollback begins. */
export interface EditionRollbackInput {
  /** Groups in rollout order, by phase, with their members. */
  groups: readonly { phase: string; members: readonly string[] }[];
  /** Each member's router state before the rollout. */
  before: Readonly<Record<string, CellRoutingState>>;
  /** Groups whose reset began (their members may hold N+1). */
  tainted: readonly string[];
  /** Tainted groups whose members take new sessions now. */
  serving: readonly string[];
  /** Validation mode: the clone was (or may have been) started, and its bindings bound. */
  clone?: { members: readonly string[]; started: boolean; bound: boolean };
}

/** One group's repair. */
export interface EditionRepair {
  phase: string;
  members: string[];
  /** The group first leaves new-session routing (it was kept serving). */
  hold: boolean;
  /** Each member's routing from before the rollout, given back at the end of the repair. */
  states: Record<string, CellRoutingState>;
}

/** An edition rollback route. */
export interface EditionRollbackRoute {
  /** The first move, one router change: every member's state. */
  routing: Record<string, CellRoutingState>;
  /** Groups on N+1 kept taking new sessions because no member on N would take them yet. */
  keep: string[];
  repairs: EditionRepair[];
  /** Kept groups that cannot leave routing since nobody else takes new sessions: left for a person. */
  stranded: string[];
  /** Validation mode: stop the clone's members, and remove the `-validation` bindings. */
  clone?: { stop: string[]; unbind: boolean };
}

function groupState(members: readonly string[], before: Readonly<Record<string, CellRoutingState>>): CellRoutingState {
  return members.some((m) => (before[m] ?? 'ready') === 'ready') ? 'ready' : (before[members[0] ?? ''] ?? 'ready');
}

/** Computes the route. */
export function editionRollbackRoute(input: EditionRollbackInput): EditionRollbackRoute {
  const order = input.groups.map((g) => g.phase);
  const membersOf = new Map(input.groups.map((g) => [g.phase, [...g.members]]));
  const groupBefore = Object.fromEntries(input.groups.map((g) => [g.phase, groupState(g.members, input.before)]));
  const route = cellRollbackRoute({ order, before: groupBefore, tainted: input.tainted, serving: input.serving, reinstall: true });
  const own = (m: string): CellRoutingState => input.before[m] ?? 'ready';
  const routing: Record<string, CellRoutingState> = {};
  for (const g of input.groups) {
    const state = route.routing[g.phase] ?? 'ready';
    for (const m of g.members) routing[m] = input.tainted.includes(g.phase) ? state : own(m);
  }
  const repairs = route.repairs.map(({ cell, hold }) => {
    const members = membersOf.get(cell) ?? [];
    return { phase: cell, members, hold, states: Object.fromEntries(members.map((m) => [m, own(m)])) };
  });
  const clone = input.clone && (input.clone.started || input.clone.bound) ? { stop: input.clone.started ? [...input.clone.members] : [], unbind: input.clone.bound } : undefined;
  return { routing, keep: route.keep, repairs, stranded: route.stranded, ...(clone ? { clone } : {}) };
}

/** What the route's lines speak of. */
export interface EditionRouteWords {
  from: string;
  to: string;
  reset: 'soft' | 'hard';
  cluster: string;
}

/** The title of the first move. */
export function editionRoutingTitle(route: EditionRollbackRoute, w: EditionRouteWords): string {
  const entries = Object.entries(route.routing);
  const ready = entries.filter(([, s]) => s === 'ready').map(([m]) => m);
  const held = entries.filter(([, s]) => s !== 'ready').map(([m]) => m);
  const kept = route.keep.length > 0 ? `no member runs ${w.from} yet, so ${route.keep.join(', ')} keep taking new sessions on ${w.to}; ` : '';
  return `Restore routing in one router change: ${kept}${ready.length > 0 ? `${ready.join(', ')} take new sessions` : 'nobody takes new sessions'}${held.length > 0 ? `; ${held.join(', ')} take none` : ''}`;
}

/** The titles of one repair's steps. */
export function editionRepairTitles(repair: EditionRepair, w: EditionRouteWords): { hold?: string; drain: string; reset: string; route: string } {
  const who = repair.members.join(', ');
  return {
    ...(repair.hold ? { hold: `Take ${who} out of new-session routing while the other members serve` } : {}),
    drain: `Let the ${w.to} sessions on ${who} end`,
    reset: `Reset ${who} to ${w.from} (${w.reset}) and check each answers it`,
    route: `Give ${who} back ${repair.members.length === 1 ? 'its' : 'their'} routing from before the rollout`,
  };
}

/** The route as lines: the first move, each repair, the clone. */
export function describeEditionRoute(route: EditionRollbackRoute, w: EditionRouteWords): string[] {
  const lines = [editionRoutingTitle(route, w)];
  for (const repair of route.repairs) {
    const t = editionRepairTitles(repair, w);
    lines.push(`${repair.phase}: ${[t.hold, t.drain, t.reset, t.route].filter(Boolean).map((x) => (x as string).replace(/^./, (c) => c.toLowerCase())).join('; then ')}`);
  }
  for (const phase of route.stranded) lines.push(`${phase} keeps ${w.to}: nobody else takes new sessions while it would drain; a person repairs it or leaves it as is`);
  if (route.clone) lines.push(cloneTitle(route.clone, w));
  return lines;
}

/** The title of the clone's removal. */
export function cloneTitle(clone: NonNullable<EditionRollbackRoute['clone']>, w: EditionRouteWords): string {
  const parts = [...(clone.stop.length > 0 ? [`stop ${clone.stop.join(', ')}`] : []), ...(clone.unbind ? [`remove the bindings under clusters/${w.cluster}-validation/`] : [])];
  return `Remove the validation clone: ${parts.join('; ')}`;
}

/** The rollback route of each phase of an edition plan, at the phase's furthest point. */
export function editionRollbackRoutes(plan: Plan, request: RolloutRequest, target: EditionTarget, groups: readonly EditionGroup[]): NonNullable<Plan['rollbackRoutes']> {
  const w: EditionRouteWords = { from: request.fromVersion, to: request.toVersion, reset: request.edition?.reset ?? 'soft', cluster: target.cluster.name };
  const g = groups.map((x) => ({ phase: x.phase, members: x.members.map((m) => m.name) }));
  const before = Object.fromEntries(target.cluster.servers.map((s) => [s.name, 'ready' as const]));
  const phases = [...new Set(plan.steps.map((s) => s.phase))];
  const cloneMembers = target.clone?.servers.map((s) => s.name) ?? [];
  return phases.map((phase) => {
    const upTo = plan.steps.slice(0, plan.steps.map((s) => s.phase).lastIndexOf(phase) + 1);
    const tainted = [...new Set(upTo.flatMap((s) => (s.kind === 'resetMembers' ? [s.phase] : [])))];
    const routed = new Map<string, CellRoutingState>();
    for (const s of upTo) if (s.kind === 'routeMembers') for (const [m, st] of Object.entries(s.states)) routed.set(m, st);
    const serving = tainted.filter((p) => (g.find((x) => x.phase === p)?.members ?? []).some((m) => routed.get(m) === 'ready'));
    const promoted = upTo.some((s) => s.kind === 'validationBindings' && s.action === 'promote');
    const clone = target.clone && !promoted ? { members: cloneMembers, started: upTo.some((s) => s.id === 'validation.start'), bound: upTo.some((s) => s.id === 'validation.bindings') } : undefined;
    const route = editionRollbackRoute({ groups: g, before, tainted, serving, ...(clone ? { clone } : {}) });
    return { phase, route: describeEditionRoute(route, w) };
  });
}
