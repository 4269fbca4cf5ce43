/**
 * Rollback of the loadbalancer.xml procedures (seed 004; DESIGN, "Rollback"). Routing first: one
 * write of the file to every load balancer, in which clusters that may hold N+1 stay disabled (their
 * sessions end inside their cluster) while the rest are as before, unless no cluster on N is left.
 * Then each such cluster in reverse order: let its sessions end, stop, reinstall N, start, check,
 * enable. The last write is the starting file, byte for byte. Every step retries through faults.
 */
import { clusterServerNames } from '../src/model/estate';
import { previousArtifactOf } from '../src/model/request';
import { describeLbRoute, lbRepairTitles, lbRollbackRoute, lbRoutingTitle, type LbRepair, type LbRouteWords } from '../src/planning/lb-rollback-route';
import { rollbackActs, rollbackLbActs, rollbackShortActs, summarized } from './activity-proxies';
import { writeLb } from './lb-steps';
import { addStep, beginRollback, letEnd, showRoute, tracked } from './rollback';
import type { StepContext } from './steps';
import { listed } from '../src/planning/listed';

/** The clusters in the plan's order: those it disables or installs, in order of first mention. */
function orderOf(ctx: StepContext): string[] {
  const named = ctx.plan.steps.flatMap((s) => (s.kind === 'lbConfig' ? s.edits.map((e) => e.cluster) : s.kind === 'install' ? s.clusters : []));
  return [...new Set(named)];
}

async function reinstall(ctx: StepContext, cluster: string): Promise<void> {
  const { request, estate } = ctx;
  const servers = clusterServerNames(ctx.estate, cluster);
  await rollbackShortActs().installApp({ estate, app: request.app, clusters: [cluster], version: request.fromVersion, artifact: previousArtifactOf(request), virtualHost: estate.virtualHosts.production.name });
  await summarized(rollbackActs.manageServers, `Start ${listed(servers)}`, { estate, action: 'start', servers });
  const { dead } = await rollbackShortActs().verifyServers({ estate, servers, version: request.fromVersion });
  if (dead.length > 0) throw new Error(`not back on ${request.fromVersion}: ${dead.map((d) => `${d.name}: ${d.problem}`).join('; ')}`);
}

async function repairCluster(ctx: StepContext, repair: LbRepair, w: LbRouteWords): Promise<boolean> {
  const id = `rollback.${repair.cluster}`;
  const t = lbRepairTitles(repair, w);
  const servers = clusterServerNames(ctx.estate, repair.cluster);
  const held = [...ctx.lb.edits.filter((e) => e.cluster !== repair.cluster), { op: 'clusterInstances' as const, cluster: repair.cluster, enabled: false }];
  if (repair.hold && !(await tracked(ctx, `${id}.hold`, () => writeLb(ctx, held, t.hold ?? '', rollbackLbActs)))) return false;
  if (!(await tracked(ctx, `${id}.drain`, () => letEnd(ctx, `${id}.drain`, servers, 'sessions', t.drain)))) return false;
  if (!(await tracked(ctx, `${id}.stop`, () => summarized(rollbackActs.manageServers, t.stop, { estate: ctx.estate, action: 'stop', servers })))) return false;
  if (!(await tracked(ctx, `${id}.reinstall`, () => reinstall(ctx, repair.cluster)))) return false;
  return tracked(ctx, `${id}.route`, () => writeLb(ctx, repair.after, t.route, rollbackLbActs));
}

/** Rolls a multi-cluster upgrade or a cluster operation back. */
export async function rollBackLb(ctx: StepContext, failedStep: string | undefined): Promise<void> {
  const { request } = ctx;
  beginRollback(ctx, failedStep);
  const order = orderOf(ctx);
  const disabled = new Set(ctx.lb.edits.map((e) => e.cluster));
  const tainted = order.filter((c) => ctx.lb.tainted.includes(c));
  const route = lbRollbackRoute({ order, tainted, serving: tainted.filter((c) => !disabled.has(c)) });
  const w: LbRouteWords = { app: request.app, from: request.fromVersion, to: request.toVersion };
  const written = ctx.lb.start !== undefined;
  if (written) addStep(ctx, 'rollback.routing', lbRoutingTitle(route, w));
  for (const repair of route.repairs) {
    const t = lbRepairTitles(repair, w);
    if (t.hold) addStep(ctx, `rollback.${repair.cluster}.hold`, t.hold);
    for (const [k, title] of [['drain', t.drain], ['stop', t.stop], ['reinstall', `${t.reinstall}; ${t.start.replace(/^./, (c) => c.toLowerCase())}`], ['route', t.route]] as const) addStep(ctx, `rollback.${repair.cluster}.${k}`, title);
  }
  showRoute(ctx, describeLbRoute(route, w));
  if (written && !(await tracked(ctx, 'rollback.routing', () => writeLb(ctx, route.routing, lbRoutingTitle(route, w), rollbackLbActs)))) return;
  for (const repair of route.repairs) if (!(await repairCluster(ctx, repair, w))) return;
}
