/**
 * Rollback of the edition rollout (seed 003: a rollback at any moment, whatever the group; DESIGN,
 * "Rollback"). Routing comes first, in one router change: members still on N take new sessions as
 * before the rollout, members holding N+1 keep their sessions and take no new ones, unless no member
 * on N is left, in which case N+1 keeps serving until one group is back on N. Then group by group,
 * in reverse order: let the N+1 sessions end, reset to N (the same strategy), check, route. The
 * validation clone goes last. Every step retries through faults (see `tracked`).
 */
import type { CellRoutingState } from '../src/model';
import { previousArtifactOf } from '../src/model/request';
import { cloneTitle, describeEditionRoute, editionRepairTitles, editionRollbackRoute, editionRoutingTitle, type EditionRepair, type EditionRollbackRoute, type EditionRouteWords } from '../src/planning/edition-rollback-route';
import { quiesceActivities, rollbackActs, rollbackEditionActs, summarized } from './activity-proxies';
import { routeMembers } from './edition-steps';
import { addStep, beginRollback, letEnd, showRoute, tracked } from './rollback';
import type { StepContext } from './steps';
import { listed } from '../src/planning/listed';

/** The groups of the plan, in rollout order, from its reset steps. */
function groupsOf(ctx: StepContext): { phase: string; members: string[] }[] {
  return ctx.plan.steps.flatMap((s) => (s.kind === 'resetMembers' ? [{ phase: s.phase, members: s.servers }] : []));
}

function cloneMembers(ctx: StepContext): string[] {
  return ctx.plan.steps.flatMap((s) => (s.kind === 'servers' && s.id === 'validation.start' ? s.servers : []));
}

/** Where the rollout stands, as the route needs it. */
function routeNow(ctx: StepContext): EditionRollbackRoute {
  const groups = groupsOf(ctx);
  const before: Record<string, CellRoutingState> = Object.fromEntries((ctx.before?.servers ?? []).map((s) => [s.name, s.state]));
  const tainted = ctx.edition.tainted;
  const serving = tainted.filter((p) => (groups.find((g) => g.phase === p)?.members ?? []).some((m) => (ctx.routed[m] ?? before[m]) === 'ready'));
  const members = cloneMembers(ctx);
  const started = members.filter((m) => ctx.changes.started.includes(m));
  const clone = members.length > 0 ? { members: started, started: started.length > 0, bound: ctx.edition.bound } : undefined;
  return editionRollbackRoute({ groups, before, tainted, serving, ...(clone ? { clone } : {}) });
}

/** Drains, quiesces and resets one group back to N, checking each member answers it. */
async function resetBack(ctx: StepContext, repair: EditionRepair): Promise<void> {
  const { request, estate } = ctx;
  const edition = request.edition;
  const limit = edition?.routerQuiesceSeconds ?? 60;
  await summarized(quiesceActivities(limit).quiesceMembers, `Let the requests in flight to ${listed(repair.members)} end`, { estate, servers: repair.members, at: 'router', limitSeconds: limit });
  const input = { estate, app: request.app, servers: repair.members, version: request.fromVersion, artifact: previousArtifactOf(request), reset: edition?.reset ?? 'soft' };
  const { members } = await summarized(rollbackEditionActs.resetMembers, `Reset ${listed(repair.members)} to ${request.fromVersion}`, input);
  const failed = members.filter((m) => !m.ok);
  if (failed.length > 0) throw new Error(`not back on ${request.fromVersion}: ${failed.map((m) => `${m.name}: ${m.problem}`).join('; ')}`);
}

async function repairGroup(ctx: StepContext, repair: EditionRepair, w: EditionRouteWords): Promise<boolean> {
  const id = `rollback.${repair.phase}`;
  const t = editionRepairTitles(repair, w);
  const drain = Object.fromEntries(repair.members.map((m) => [m, 'drain' as const]));
  if (repair.hold && !(await tracked(ctx, `${id}.hold`, () => routeMembers(ctx, drain, t.hold ?? '', rollbackEditionActs)))) return false;
  if (!(await tracked(ctx, `${id}.drain`, () => letEnd(ctx, `${id}.drain`, repair.members, 'sessions', t.drain)))) return false;
  if (!(await tracked(ctx, `${id}.reset`, () => resetBack(ctx, repair)))) return false;
  // Members back on N are no longer anyone's concern: they take their routing back like the rest.
  ctx.edition.attention = ctx.edition.attention.filter((m) => !repair.members.includes(m));
  return tracked(ctx, `${id}.route`, () => routeMembers(ctx, repair.states, t.route, rollbackEditionActs));
}

/** Rolls an edition rollout back. Resolves once done, or once a person left it as is. */
export async function rollBackEdition(ctx: StepContext, failedStep: string | undefined): Promise<void> {
  const { request, estate } = ctx;
  beginRollback(ctx, failedStep);
  const route = routeNow(ctx);
  const cluster = groupsOf(ctx).length > 0 ? (ctx.plan.steps.find((s) => s.kind === 'validationBindings')?.cluster ?? '') : '';
  const w: EditionRouteWords = { from: request.fromVersion, to: request.toVersion, reset: request.edition?.reset ?? 'soft', cluster };
  const routing = ctx.before !== undefined && ctx.edition.tainted.length + Object.keys(ctx.routed).length > 0;
  if (routing) addStep(ctx, 'rollback.routing', editionRoutingTitle(route, w));
  for (const repair of route.repairs) {
    const t = editionRepairTitles(repair, w);
    if (t.hold) addStep(ctx, `rollback.${repair.phase}.hold`, t.hold);
    addStep(ctx, `rollback.${repair.phase}.drain`, t.drain);
    addStep(ctx, `rollback.${repair.phase}.reset`, t.reset);
    addStep(ctx, `rollback.${repair.phase}.route`, t.route);
  }
  if (route.clone) addStep(ctx, 'rollback.clone', cloneTitle(route.clone, w));
  showRoute(ctx, describeEditionRoute(route, w));
  // Set aside or not, every member takes the routing the route gives it: a rollback repairs them all.
  ctx.edition.attention = [];
  if (routing && !(await tracked(ctx, 'rollback.routing', () => routeMembers(ctx, route.routing, editionRoutingTitle(route, w), rollbackEditionActs)))) return;
  for (const repair of route.repairs) if (!(await repairGroup(ctx, repair, w))) return;
  const clone = route.clone;
  if (!clone) return;
  await tracked(ctx, 'rollback.clone', async () => {
    if (clone.stop.length > 0) await summarized(rollbackActs.manageServers, `Stop ${listed(clone.stop)}`, { estate, action: 'stop', servers: clone.stop });
    if (clone.unbind) await summarized(rollbackEditionActs.validationBindings, `Remove the bindings under clusters/${cluster}-validation/`, { estate, cluster, action: 'unbind' });
    ctx.edition.bound = false;
  });
}
