/**
 * Rollback of the GlassFish rolling upgrades (seeds 000 and 001; DESIGN, "Rollback"). Instances play
 * the part groups play in the edition rollback, so the same rule holds: routing comes first, in one
 * load-balancer change, and the cluster never lacks an instance that takes new sessions. Then the
 * instances that moved are repaired in reverse order: out of routing, back to N (versioned: N
 * enabled again on that instance; in place: N redeployed, the instance restarted with its session
 * store kept), checked through its own port, given back its routing. Last, what the cluster itself
 * changed: dynamic reconfiguration as it was (in place); a versioned N+1 stays deployed, disabled
 * on every instance (see `undoCluster`). Every step retries through faults (see `tracked`).
 */
import { previousArtifactOf } from '../src/model/request';
import { workflowTypes, type CellRoutingState } from '../src/model';
import { editionRollbackRoute, editionRoutingTitle, type EditionRepair, type EditionRollbackRoute } from '../src/planning/edition-rollback-route';
import { instancePhase } from '../src/planning/glassfish-target';
import { glassfishActs, quiesceActivities, rollbackActs, rollbackEditionActs, rollbackGlassfishActs, summarized } from './activity-proxies';
import { routeMembers } from './edition-steps';
import { showInstances } from './glassfish-steps';
import { addStep, beginRollback, letEnd, showRoute, tracked } from './rollback';
import type { StepContext } from './steps';

/** The instances in upgrade order, and the cluster, as the plan has them. */
export function planned(ctx: StepContext): { instances: string[]; cluster: string; contextRoot: string } {
  const instances = ctx.plan.steps.flatMap((s) => (s.kind === 'enableInstance' ? [s.instance] : []));
  const deploy = ctx.plan.steps.find((s) => s.kind === 'deployVersion');
  return { instances, cluster: deploy?.kind === 'deployVersion' ? deploy.cluster : '', contextRoot: deploy?.kind === 'deployVersion' ? deploy.contextRoot : '' };
}

function isVersioned(ctx: StepContext): boolean {
  return ctx.plan.workflowType === workflowTypes.versionedRollingUpgrade;
}

/** Instances that may hold N+1: switched (versioned), or stopped or started since the redeploy (in place). */
function movedOf(ctx: StepContext): string[] {
  if (isVersioned(ctx)) return ctx.glassfish.switched;
  return [...new Set([...ctx.changes.stopped, ...ctx.changes.started])];
}

function routeNow(ctx: StepContext, instances: string[]): EditionRollbackRoute {
  const groups = instances.map((i) => ({ phase: instancePhase(i), members: [i] }));
  const before: Record<string, CellRoutingState> = Object.fromEntries((ctx.before?.servers ?? []).map((s) => [s.name, s.state]));
  const moved = movedOf(ctx);
  const tainted = groups.filter((g) => g.members.some((m) => moved.includes(m))).map((g) => g.phase);
  const serving = tainted.filter((p) => (groups.find((g) => g.phase === p)?.members ?? []).some((m) => (ctx.routed[m] ?? before[m]) === 'ready'));
  return editionRollbackRoute({ groups, before, tainted, serving });
}

/** The words of one instance's repair. */
function repairTitles(ctx: StepContext, name: string): Record<'hold' | 'drain' | 'out' | 'back' | 'enable', string> {
  const { request } = ctx;
  const back = isVersioned(ctx) ? `Switch ${name} back to ${request.app}:${request.fromVersion} and check it answers it through its own port` : `Restart ${name} on ${request.fromVersion}, keeping its sessions through the session store, and check it answers it`;
  return {
    hold: `Take ${name} out of new-session routing while the other instances serve`,
    drain: preserving(ctx) ? `Let the users active on ${name} finish (up to ${request.glassfish?.quiesceSeconds ?? 60}s); the store keeps the rest` : `Let the ${request.toVersion} sessions on ${name} end`,
    out: `Take ${name} out of routing and let its requests in flight end`,
    back,
    enable: `Give ${name} back its routing from before the rollout`,
  };
}

function preserving(ctx: StepContext): boolean {
  return !isVersioned(ctx) && (ctx.request.glassfish?.sessions ?? 'preserve') === 'preserve';
}

/** In place: backup, stop, start (loading N, redeployed first), restore; reconcile after the enable. */
async function restartOnPrevious(ctx: StepContext, name: string): Promise<void> {
  const { estate, request } = ctx;
  const store = (op: 'backup' | 'restore') => summarized(rollbackGlassfishActs.sessionStore, `${op === 'backup' ? 'Back up' : 'Restore'} the session store of ${name}`, { estate, app: request.app, instance: name, op });
  if (preserving(ctx)) await store('backup');
  await summarized(rollbackActs.manageServers, `Stop ${name}`, { estate, action: 'stop', servers: [name] });
  await summarized(rollbackActs.manageServers, `Start ${name} on ${request.fromVersion}`, { estate, action: 'start', servers: [name] });
  if (preserving(ctx)) await store('restore');
}

async function backToPrevious(ctx: StepContext, name: string): Promise<void> {
  const { estate, request } = ctx;
  const checkSeconds = request.glassfish?.checkSeconds ?? 120;
  if (!isVersioned(ctx)) return restartOnPrevious(ctx, name);
  const r = await summarized(rollbackGlassfishActs.switchVersion, `Switch ${name} back to ${request.app}:${request.fromVersion}`, { estate, app: request.app, instance: name, version: request.fromVersion, checkSeconds });
  showInstances(ctx, [r.instance]);
}

async function giveBack(ctx: StepContext, repair: EditionRepair, name: string, title: string): Promise<void> {
  const { estate, request } = ctx;
  const state = repair.states[name] ?? 'ready';
  if (state !== 'ready') return routeMembers(ctx, { [name]: state }, title, rollbackEditionActs);
  ctx.routed[name] = 'ready';
  const read = await summarized(rollbackGlassfishActs.enableInstance, title, { estate, app: request.app, instance: name, version: request.fromVersion, checkSeconds: request.glassfish?.checkSeconds ?? 120, rampUpSeconds: request.glassfish?.rampUpSeconds ?? 0 });
  showInstances(ctx, [read]);
  if (preserving(ctx)) await summarized(rollbackGlassfishActs.sessionStore, `Reconcile the session store of ${name}`, { estate, app: request.app, instance: name, op: 'reconcile' });
}

async function repairInstance(ctx: StepContext, repair: EditionRepair): Promise<boolean> {
  const name = repair.members[0] ?? '';
  const id = `rollback.${repair.phase}`;
  const t = repairTitles(ctx, name);
  const limit = ctx.request.glassfish?.inFlightSeconds ?? 10;
  if (repair.hold && !(await tracked(ctx, `${id}.hold`, () => routeMembers(ctx, { [name]: 'drain' }, t.hold, rollbackEditionActs)))) return false;
  // With the store keeping sessions, the wait is the quiesce's: active users finish, the store keeps the rest.
  const bound = preserving(ctx) ? (ctx.request.glassfish?.quiesceSeconds ?? 60) : undefined;
  if (!(await tracked(ctx, `${id}.drain`, () => letEnd(ctx, `${id}.drain`, [name], 'sessions', t.drain, bound)))) return false;
  const out = async () => {
    await routeMembers(ctx, { [name]: 'maint' }, t.out, rollbackEditionActs);
    if (limit > 0) await summarized(quiesceActivities(limit).quiesceMembers, `Let the requests in flight to ${name} end`, { estate: ctx.estate, servers: [name], at: 'router', limitSeconds: limit });
  };
  if (!(await tracked(ctx, `${id}.out`, out))) return false;
  if (!(await tracked(ctx, `${id}.back`, () => backToPrevious(ctx, name)))) return false;
  return tracked(ctx, `${id}.enable`, () => giveBack(ctx, repair, name, t.enable));
}

/** Adds the route's steps to the status, in the order they run. */
function listSteps(ctx: StepContext, route: EditionRollbackRoute, routing: boolean, cluster: string): void {
  const { request } = ctx;
  if (routing) addStep(ctx, 'rollback.routing', editionRoutingTitle(route, routeWords(ctx, cluster)));
  if (!isVersioned(ctx) && ctx.glassfish.deployed) {
    addStep(ctx, 'rollback.reconfig-off', `Keep dynamic reconfiguration off on ${cluster} while ${request.fromVersion} is redeployed`);
    addStep(ctx, 'rollback.redeploy', `Redeploy ${request.app} ${request.fromVersion} to ${cluster}; each instance takes it when it restarts`);
  }
  for (const repair of route.repairs) {
    const name = repair.members[0] ?? '';
    const t = repairTitles(ctx, name);
    const id = `rollback.${repair.phase}`;
    if (repair.hold) addStep(ctx, `${id}.hold`, t.hold);
    addStep(ctx, `${id}.drain`, t.drain);
    addStep(ctx, `${id}.out`, t.out);
    addStep(ctx, `${id}.back`, t.back);
    addStep(ctx, `${id}.enable`, t.enable);
  }
  if (!isVersioned(ctx) && (ctx.glassfish.deployed || ctx.glassfish.reconfigOff)) addStep(ctx, 'rollback.reconfig', `Turn dynamic reconfiguration on ${cluster} back ${ctx.glassfish.reconfigBefore === false ? 'off' : 'on'}, as before the rollout`);
}

function routeWords(ctx: StepContext, cluster: string) {
  const { request } = ctx;
  return { from: request.fromVersion, to: request.toVersion, reset: 'soft' as const, cluster };
}

/** The route as lines: the first move, each instance's repair, the cluster's own changes. */
function describeRoute(ctx: StepContext, route: EditionRollbackRoute, cluster: string): string[] {
  const lines = [editionRoutingTitle(route, routeWords(ctx, cluster))];
  for (const repair of route.repairs) {
    const name = repair.members[0] ?? '';
    const t = repairTitles(ctx, name);
    const parts = [repair.hold ? t.hold : '', t.drain, t.out, t.back, t.enable].filter(Boolean);
    lines.push(`${name}: ${parts.map((x) => x.replace(/^./, (c) => c.toLowerCase())).join('; then ')}`);
  }
  for (const phase of route.stranded) lines.push(`${phase} keeps ${ctx.request.toVersion}: no other instance takes new sessions while it would drain; a person repairs it or leaves it as is`);
  if (isVersioned(ctx) && ctx.glassfish.deployed) lines.push(`${ctx.request.app}:${ctx.request.toVersion} stays deployed, disabled on every instance (undeploying one version unmaps the context root on Payara 6)`);
  return lines;
}

/** The cluster's own changes, undone once every instance is back: dynamic reconfiguration as before (in place). */
async function undoCluster(ctx: StepContext, cluster: string): Promise<boolean> {
  // N+1 stays deployed, disabled on every instance: on Payara 6, undeploying one version of an
  // application unmaps its context root on every instance, taking down the version that serves.
  if (isVersioned(ctx)) return true;
  if (!ctx.glassfish.deployed && !ctx.glassfish.reconfigOff) return true;
  return tracked(ctx, 'rollback.reconfig', () => restoreReconfig(ctx, cluster, true));
}

/** Dynamic reconfiguration back to what it was before the rollout (on, when nobody recorded it). */
export async function restoreReconfig(ctx: StepContext, cluster: string, inRollback: boolean): Promise<void> {
  const enabled = ctx.glassfish.reconfigBefore ?? true;
  const acts = inRollback ? rollbackGlassfishActs : glassfishActs;
  await summarized(acts.setDynamicReconfig, `Turn dynamic reconfiguration ${enabled ? 'on' : 'off'} on ${cluster}, as before the rollout`, { estate: ctx.estate, cluster, enabled });
  ctx.glassfish.reconfigOff = false;
}

/** In place: N goes back into the domain's configuration before any instance restarts. */
async function redeployPrevious(ctx: StepContext, cluster: string, contextRoot: string): Promise<boolean> {
  const { estate, request } = ctx;
  if (isVersioned(ctx) || !ctx.glassfish.deployed) return true;
  const off = async () => {
    ctx.glassfish.reconfigOff = true;
    await summarized(rollbackGlassfishActs.setDynamicReconfig, `Keep dynamic reconfiguration off on ${cluster}`, { estate, cluster, enabled: false });
  };
  if (!(await tracked(ctx, 'rollback.reconfig-off', off))) return false;
  const input = { estate, app: request.app, cluster, version: request.fromVersion, artifact: previousArtifactOf(request), contextRoot, enabled: true, versioned: false };
  return tracked(ctx, 'rollback.redeploy', () => summarized(rollbackGlassfishActs.deployVersion, `Redeploy ${request.app} ${request.fromVersion}`, input));
}

/** Rolls a GlassFish rolling upgrade back. Resolves once done, or once a person left it as is. */
export async function rollBackGlassfish(ctx: StepContext, failedStep: string | undefined): Promise<void> {
  beginRollback(ctx, failedStep);
  const { instances, cluster, contextRoot } = planned(ctx);
  const route = routeNow(ctx, instances);
  const routing = ctx.before !== undefined && movedOf(ctx).length + Object.keys(ctx.routed).length > 0;
  listSteps(ctx, route, routing, cluster);
  showRoute(ctx, describeRoute(ctx, route, cluster));
  if (routing && !(await tracked(ctx, 'rollback.routing', () => routeMembers(ctx, route.routing, editionRoutingTitle(route, routeWords(ctx, cluster)), rollbackEditionActs)))) return;
  if (!(await redeployPrevious(ctx, cluster, contextRoot))) return;
  for (const repair of route.repairs) if (!(await repairInstance(ctx, repair))) return;
  await undoCluster(ctx, cluster);
}
