/**
 * Runners of the loadbalancer.xml step kinds (seed 004): writing the file (the starting file with
 * some edits, identical bytes on every load balancer, then a poll for them to see it) and the
 * quiescing period a drain waits out. Each records what it is about to change BEFORE the activity
 * runs, so a rollback repairs a half-finished write too.
 */
import { sleep } from '@temporalio/workflow';
import type { DrainPolicy, LbEdit, Step } from '../src/model';
import type { FileEdit } from '../activities/rollout-types';
import { lbActs, summarized } from './activity-proxies';
import type { StepContext, StepOutcome } from './steps';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** What a loadbalancer.xml procedure changed so far: what its rollback repairs. */
export interface LbChanges {
  /** Every load balancer's file before the procedure (base64; they were identical). */
  start?: string;
  /** The edits of the file last written (or being written). */
  edits: LbEdit[];
  /** Clusters where N+1 was (or may have been) installed. */
  tainted: string[];
  /** Someone else's changes a person approved: kept on top of every later forward write (see `foreign-writes.ts`). */
  accepted?: FileEdit[];
}

/** A fresh record of changes. */
export function noLbChanges(): LbChanges {
  return { edits: [], tainted: [] };
}

/** Seconds for every load balancer to poll the file once more (twice the interval, as for plug-ins). */
export function lbPickupSeconds(ctx: StepContext): number {
  return 2 * (ctx.estate.loadBalancers?.pollIntervalSeconds ?? 60);
}

/**
 * Writes the starting file with `edits` to every load balancer and waits for them to poll it.
 * Forward writes carry the approved foreign changes; a rollback's do not, so its last write is the
 * starting file byte for byte.
 */
export async function writeLb(ctx: StepContext, edits: LbEdit[], title: string, acts = lbActs): Promise<void> {
  const start = ctx.lb.start;
  if (start === undefined) throw new Error('no starting loadbalancer.xml was recorded');
  ctx.lb.edits = edits;
  const accepted = acts === lbActs && ctx.lb.accepted?.length ? { accepted: ctx.lb.accepted } : {};
  const result = await summarized(acts.writeLoadBalancerXml, title, { estate: ctx.estate, start, edits, ...accepted });
  ctx.run.event('turnout', 'loadbalancer-xml-written', `every load balancer holds ${result.sha256.slice(0, 12)} (${edits.length === 0 ? 'the starting file' : edits.map(describeEdit).join('; ')}); changed on ${result.changed.join(', ') || 'none'}`);
  const seconds = lbPickupSeconds(ctx);
  await sleep(seconds * 1000, { summary: `Load balancers poll loadbalancer.xml (2 × ${seconds / 2}s)` });
}

/** One edit in words. */
export function describeEdit(e: LbEdit): string {
  switch (e.op) {
    case 'clusterInstances':
      return `${e.cluster} ${e.enabled ? 'enabled' : 'disabled'}`;
    case 'instance':
      return `${e.instance} of ${e.cluster} ${e.enabled ? 'enabled' : 'disabled'}`;
    case 'webModule':
      return `${e.contextRoot} on ${e.cluster} ${e.enabled ? 'enabled' : 'disabled'}`;
    case 'clusterWebModules':
      return `${e.cluster}'s web modules ${e.enabled ? 'enabled' : 'disabled'}`;
    case 'removeInstance':
      return `${e.instance} removed from ${e.cluster}`;
    case 'removeCluster':
      return `${e.cluster} removed`;
  }
}

export async function runLbConfig(ctx: StepContext, step: StepOf<'lbConfig'>): Promise<StepOutcome> {
  await writeLb(ctx, step.edits, step.title);
  return 'done';
}

/**
 * The drain policy of a quiescing wait: the load balancers' period, after which they fail sessions
 * over themselves; or, when the request's drain is shorter than the period, the request's drain, and
 * a person approves before turnout moves on with sessions left.
 */
export async function quiescingPolicy(ctx: StepContext, step: StepOf<'drain'>): Promise<{ policy: DrainPolicy; note: string }> {
  const q = step.quiescing;
  const start = ctx.lb.start;
  if (!q || start === undefined) return { policy: ctx.request.drain, note: '' };
  const period = await summarized(lbActs.quiescingPeriod, `Read the quiescing period of ${q.instances?.join(', ') ?? q.contextRoot ?? q.cluster} from loadbalancer.xml`, { estate: ctx.estate, start, cluster: q.cluster, ...(q.instances ? { instances: q.instances } : {}), ...(q.contextRoot ? { contextRoot: q.contextRoot } : {}) });
  const drain = ctx.request.drain;
  if (drain.maxWaitSeconds >= period.seconds) return { policy: { ...drain, maxWaitSeconds: period.seconds, onTimeout: 'proceed' }, note: `quiescing period ${period.seconds}s (${period.basis})` };
  ctx.run.event('turnout', 'quiescing-longer-than-drain', `drain.maxWaitSeconds (${drain.maxWaitSeconds}s) is shorter than the quiescing period (${period.seconds}s, ${period.basis}): a person approves before sessions left fail over`, step.id);
  return { policy: { ...drain, onTimeout: 'approve' }, note: `drain ${drain.maxWaitSeconds}s, shorter than the quiescing period ${period.seconds}s` };
}

/** After a quiescing wait: what the load balancers' logs say, on the record. */
export async function recordQuiesced(ctx: StepContext, step: StepOf<'drain'>, since: string): Promise<void> {
  const q = step.quiescing;
  if (!q) return;
  const names = q.contextRoot ? [q.contextRoot] : (q.instances ?? step.servers);
  const { balancers } = await summarized(lbActs.quiescedLines, 'Read the load balancers\' logs for the quiesced lines', { estate: ctx.estate, cluster: q.cluster, names, since });
  const seen = balancers.filter((b) => b.lines.length > 0).map((b) => `${b.name}: ${b.lines.length} line(s)`);
  ctx.run.event('turnout', 'lb-quiesced', seen.length > 0 ? `the load balancers logged the end of the quiescing period (${seen.join(', ')})` : 'no session left before the quiescing period ended: turnout went on early', step.id);
}
