/**
 * Runners of the single-cell and Java-client step kinds: plugin-cfg.xml files, servers, configured
 * bindings and test Java clients. Each records what it is about to change in the context BEFORE the
 * activity runs, so a rollback repairs a half-finished step too.
 */
import { patched, sleep } from '@temporalio/workflow';
import { bindingValuesFor, type Estate, type Step } from '../src/model';
import type { BindingValue } from '../src/model/bindings';
import type { DistributePluginCfgInput, FileEdit, PluginCfgSnapshot, PluginCfgText } from '../activities/rollout-types';
import { clusterActs as acts, summarized } from './activity-proxies';
import type { StepContext, StepOutcome } from './steps';
import { listed } from '../src/planning/listed';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** What the single-cell and Java-client procedures changed so far: what their rollback repairs. */
export interface ClusterChanges {
  /** Every HTTP server's plugin-cfg.xml before the rollout. */
  pluginCfgBefore?: PluginCfgSnapshot;
  /** The step-B file, the base of every later file. */
  generated?: PluginCfgText;
  /** The last plugin-cfg stage begun. */
  stage?: StepOf<'pluginCfg'>['stage'];
  /** Incoming servers moved into production routing (cumulative). */
  moved: string[];
  /**
   * Moved servers only announced so far (in the file at weight 0, see `announce`): they can hold no
   * N+1 session, so a rollback needs no hold file for them. Recorded before each write.
   */
  announced?: string[];
  /** Active servers at LoadBalanceWeight 0 (cumulative). */
  drained: string[];
  /** Servers running before the rollout. */
  runningBefore?: string[];
  /** The configured bindings before the rollout. */
  bindingsBefore?: BindingValue[];
  /** Servers the rollout started or stopped (or was about to). */
  started: string[];
  stopped: string[];
  /** The plugin-cfg.xml last written (recorded before the write): what the routing guard keeps. */
  pluginCfg?: Omit<DistributePluginCfgInput, 'estate'>;
  /** The binding values last set (recorded before the call): what the routing guard keeps; set once the bindings were (or may have been) switched. */
  bindings?: BindingValue[];
  /** Someone else's changes to plugin-cfg.xml that a person approved: kept on top of every later file (see `foreign-writes.ts`). */
  accepted?: FileEdit[];
}

/** The approved foreign changes, as a file's input carries them (nothing when there are none, as before). */
const acceptedOf = (changes: ClusterChanges): { accepted?: FileEdit[] } => (changes.accepted?.length ? { accepted: changes.accepted } : {});

/** A fresh record of changes. */
export function noClusterChanges(): ClusterChanges {
  return { moved: [], drained: [], started: [], stopped: [] };
}

/** IBM: a regenerated plugin-cfg.xml takes effect within twice the plug-in's RefreshInterval. */
export function pickupSeconds(estate: Estate): number {
  const intervals = estate.cells.flatMap((c) => c.httpServers.map((h) => h.refreshIntervalSeconds));
  return 2 * Math.max(0, ...intervals);
}

/** The durable timer that lets every plug-in re-read a file. */
export function pickupTimer(estate: Estate, what: string): Promise<void> {
  const seconds = pickupSeconds(estate);
  return sleep(seconds * 1000, { summary: `Plug-ins re-read ${what} (2 × RefreshInterval = ${seconds}s)` });
}

/** Waits for every plug-in to re-read the file; a rollback cuts the wait short. */
export async function awaitPickup(ctx: StepContext, what: string): Promise<boolean> {
  return (await ctx.run.interruptible(async () => (await pickupTimer(ctx.estate, what), true))) === true;
}

/**
 * Before a group takes new sessions, every plug-in must know its servers: HTTP servers re-read the
 * file at their own moments, and one that has not yet would treat a session on a moved server as
 * unknown and start a new one elsewhere. So the group first goes out at LoadBalanceWeight 0.
 * Patched: histories recorded before this step existed still replay.
 */
async function announce(ctx: StepContext, step: StepOf<'pluginCfg'>, generated: PluginCfgText): Promise<boolean> {
  const { estate, changes } = ctx;
  const newcomers = (step.moved ?? []).filter((s) => !changes.moved.includes(s));
  if (step.stage !== 'transition' || newcomers.length === 0 || !patched('announce-moved-servers')) return true;
  changes.stage = step.stage;
  changes.moved = [...changes.moved, ...newcomers];
  changes.announced = [...(changes.announced ?? []), ...newcomers];
  const file = { generated, stage: 'announce' as const, active: step.active, incoming: step.incoming, moved: changes.moved, drained: changes.drained, announce: newcomers, ...acceptedOf(changes) };
  changes.pluginCfg = file;
  const input = { estate, ...file };
  await summarized(acts.distributePluginCfg, `Make ${listed(newcomers)} known to every plug-in at weight 0`, input);
  return awaitPickup(ctx, `the file that announces ${listed(newcomers)}`);
}

async function runPluginCfg(ctx: StepContext, step: StepOf<'pluginCfg'>): Promise<StepOutcome> {
  const { estate, changes } = ctx;
  if (step.stage === 'generated' || changes.generated === undefined) {
    changes.generated = await summarized(acts.generatePluginCfg, `GenPluginCfg for cell ${step.cells.join(' + ')}`, { estate, cells: step.cells });
  }
  if (!(await announce(ctx, step, changes.generated))) return 'interrupted';
  changes.stage = step.stage;
  // From this write on they may take new sessions (recorded before it, like everything a rollback repairs).
  if (step.moved && changes.announced) changes.announced = changes.announced.filter((s) => !step.moved?.includes(s));
  if (step.moved) changes.moved = [...new Set([...changes.moved, ...step.moved])];
  if (step.drained) changes.drained = [...new Set([...changes.drained, ...step.drained])];
  const file = { generated: changes.generated, stage: step.stage, active: step.active, incoming: step.incoming, ...(step.moved ? { moved: step.moved } : {}), ...(step.drained ? { drained: step.drained } : {}), ...acceptedOf(changes) };
  changes.pluginCfg = file;
  await summarized(acts.distributePluginCfg, step.title, { estate, ...file });
  return (await awaitPickup(ctx, `the ${step.stage} plugin-cfg.xml`)) ? 'done' : 'interrupted';
}

async function runServers(ctx: StepContext, step: StepOf<'servers'>): Promise<StepOutcome> {
  const { changes } = ctx;
  if (step.action === 'start') changes.started.push(...step.servers.filter((s) => !changes.started.includes(s)));
  if (step.action === 'stop') changes.stopped.push(...step.servers.filter((s) => !changes.stopped.includes(s)));
  await summarized(acts.manageServers, step.title, { estate: ctx.estate, action: step.action, servers: step.servers });
  return 'done';
}

/** Runs a single-cell or Java-client step. */
export async function runClusterStep(ctx: StepContext, step: StepOf<'pluginCfg' | 'servers' | 'switchBindings' | 'ejbSmokeTest'>): Promise<StepOutcome> {
  const { estate, run } = ctx;
  switch (step.kind) {
    case 'pluginCfg':
      return runPluginCfg(ctx, step);
    case 'servers':
      return runServers(ctx, step);
    case 'switchBindings':
      ctx.changes.bindings = bindingValuesFor(estate, step.cluster);
      await summarized(acts.setBindings, step.title, { estate, values: ctx.changes.bindings });
      return 'done';
    case 'ejbSmokeTest': {
      const r = await summarized(acts.probeEjb, step.title, { estate, cluster: step.cluster, calls: step.calls, expectVersion: step.expectVersion });
      run.event('turnout', 'smoke-test-passed', `${r.calls} EJB call(s) through ${step.cluster}'s test bindings answered ${step.expectVersion}`, step.id);
      return 'done';
    }
  }
}

/** Before the first change: what the rollback of a single-cell or Java-client rollout puts back. */
export async function recordClusterStart(ctx: StepContext): Promise<void> {
  const { estate, changes } = ctx;
  changes.runningBefore = await summarized(acts.runningServers, 'Record which servers run before the rollout', estate);
  if (ctx.plan.workflowType === 'javaClientRollout') changes.bindingsBefore = await summarized(acts.readBindings, 'Record the configured bindings before the rollout', estate);
  else changes.pluginCfgBefore = await summarized(acts.snapshotPluginCfg, 'Record every HTTP server\'s plugin-cfg.xml before the rollout', estate);
}
