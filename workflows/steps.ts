/**
 * One runner per step kind. Each returns `done`, or `interrupted` when a rollback request cut an
 * interruptible wait short (drain, burn-in, approval). Failures throw; the executor applies policy.
 */
import { ApplicationFailure, condition, patched, sleep } from '@temporalio/workflow';
import type { CellRoutingState, DrainPolicy, Estate, Plan, RolloutRequest, Step } from '../src/model';
import type { DrainResult, RoutingSnapshot } from '../activities/rollout-types';
import { correctDrift, expectedRouting, guarded } from './routing-guard';
import { drainActivities, shortActs, summarized } from './activity-proxies';
import { runClusterStep, type ClusterChanges } from './cluster-steps';
import { runEditionStep, type EditionChanges } from './edition-steps';
import { quiescingPolicy, recordQuiesced, runLbConfig, type LbChanges } from './lb-steps';
import { runGlassfishStep, type GlassfishChanges } from './glassfish-steps';
import { failureTypes } from './failure-types';
import type { RolloutRun } from './rollout-run';
import type { ClusterStart } from '../src/planning/app-server-start';
import { listed } from '../src/planning/listed';

/** What a step runner needs. */
export interface StepContext {
  run: RolloutRun;
  request: RolloutRequest;
  estate: Estate;
  plan: Plan;
  /** The sprayer's routing before the rollout touched anything. */
  before: RoutingSnapshot | undefined;
  /** Cells where N+1 was (or may have been) installed: rollback reinstalls N there. */
  tainted: string[];
  /** Multi-cell: the sprayer state turnout last set per cell (recorded before the call), which the guard keeps. */
  routed: Record<string, CellRoutingState>;
  /** Single-cell and Java-client procedures: what changed so far. */
  changes: ClusterChanges;
  /** Edition rollout: what changed so far. */
  edition: EditionChanges;
  /** loadbalancer.xml procedures: what changed so far. */
  lb: LbChanges;
  /** GlassFish rolling upgrades: what changed so far. */
  glassfish: GlassfishChanges;
  /** The application servers of the clusters the plan changes, as the rollout found them: what the rollback's last step puts back. */
  appServers?: ClusterStart[];
}

export type StepOutcome = 'done' | 'interrupted';
type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

const now = (): string => new Date().toISOString();

/** A gate: a phase's approval, or the approval a drain asks for when its maximum wait passed. */
export interface Gate {
  /** What an approval names: the phase for a phase gate, the drain step's ID for a drain-timeout gate. */
  name: string;
  phase: string;
  kind: 'phase' | 'drain-timeout' | 'foreign-write';
  question: string;
}

/**
 * A gate: waits for a person's approval (or takes one sent ahead), applying the approval policy's
 * timeout action, while the routing guard keeps what turnout set. Returns false when a rollback
 * interrupted it.
 */
export async function awaitApproval(ctx: StepContext, gate: Gate): Promise<boolean> {
  const { run, request } = ctx;
  const policy = request.approvals;
  let approval = run.takeApproval(gate.name);
  if (!approval) {
    const timeoutMs = policy.onTimeout === 'wait' ? undefined : policy.timeoutSeconds * 1000;
    const since = new Date();
    run.status.pendingApproval = { phase: gate.phase, gate: gate.name, kind: gate.kind, question: gate.question, since: since.toISOString(), ...(timeoutMs ? { timeoutAt: new Date(since.getTime() + timeoutMs).toISOString() } : {}) };
    run.setState('awaiting-approval');
    const stopWarning = timeoutMs === undefined ? undefined : run.notifications?.warnBeforeTimeout(timeoutMs);
    const arrived = await run.interruptible(() =>
      guarded(ctx, gate.name, async () => {
        if (timeoutMs === undefined) return (await condition(() => run.hasApproval(gate.name)), true);
        return condition(() => run.hasApproval(gate.name), timeoutMs, { summary: `Approval of ${gate.name}: ${policy.onTimeout} after ${policy.timeoutSeconds}s` });
      }),
    );
    stopWarning?.();
    run.status.pendingApproval = undefined;
    if (arrived === undefined) return false;
    if (!arrived) return approvalTimedOut(ctx, gate.name);
    approval = run.takeApproval(gate.name);
  }
  if (approval) run.status.approvals.push({ phase: gate.name, by: approval.by, at: now(), ...(approval.comment ? { comment: approval.comment } : {}) });
  run.setState('running');
  return true;
}

function approvalTimedOut(ctx: StepContext, name: string): boolean {
  const { run, request } = ctx;
  const reason = `nobody approved ${name} within ${request.approvals.timeoutSeconds}s`;
  if (request.approvals.onTimeout === 'fail') throw ApplicationFailure.nonRetryable(reason, failureTypes.approvalTimedOut);
  run.requestRollback({ by: 'turnout', reason });
  return false;
}

/** Servers a drain could not read, with why: never counted as drained. */
export function unknownsOf(servers: DrainResult['servers']): string {
  return servers.filter((s) => s.sessions === null).map((s) => `${s.name}${s.problem ? ` (${s.problem})` : ''}`).join(', ');
}

/**
 * The drain's policy: the request's, or an edition's drainage interval (seed 003), which ends the
 * drain when the sessions are done or the interval ends, and then goes on to the reset.
 */
function drainPolicyOf(request: RolloutRequest, step: StepOf<'drain'>): DrainPolicy {
  return step.interval ? { ...request.drain, maxWaitSeconds: step.interval.seconds, onTimeout: 'proceed' } : request.drain;
}

/** `fulldrainageinterval`: the whole interval, even on an empty member. */
async function fullInterval(ctx: StepContext, step: StepOf<'drain'>, seconds: number): Promise<StepOutcome> {
  const { run } = ctx;
  run.setState('draining');
  const waited = await run.interruptible(() => guarded(ctx, step.id, async () => (await sleep(seconds * 1000, { summary: step.title }), true)));
  if (!waited) return 'interrupted';
  run.setState('running');
  run.event('turnout', 'drained', `${listed(step.servers)}: the full drainage interval of ${seconds}s has passed`, step.id);
  return 'done';
}

async function runDrain(ctx: StepContext, step: StepOf<'drain'>): Promise<StepOutcome> {
  const { run, request, estate } = ctx;
  if (step.interval?.full) return fullInterval(ctx, step, step.interval.seconds);
  const since = new Date().toISOString();
  const policy = step.quiescing ? (await quiescingPolicy(ctx, step)).policy : drainPolicyOf(request, step);
  const measure = step.measure ?? 'sessions';
  run.setState('draining');
  run.drainStarted(step.id, step.servers, measure);
  const input = { estate, stepId: step.id, servers: step.servers, policy, cell: step.cell, ...(step.measure ? { measure: step.measure } : {}) };
  const result = await run.interruptible(() => guarded(ctx, step.id, () => summarized(drainActivities(policy).drainServers, step.title, input)));
  run.drainEnded();
  if (!result) return 'interrupted';
  run.setState('running');
  if (step.quiescing) await recordQuiesced(ctx, step, since);
  if (result.drained) {
    const connections = result.sprayerConnections === undefined ? '' : `; sprayer connections to cell ${step.cell}: ${result.sprayerConnections} (TCP connections, not sessions)`;
    run.event('turnout', 'drained', `${listed(step.servers)} drained in ${result.waitedSeconds}s${connections}`, step.id);
    return 'done';
  }
  const unknown = unknownsOf(result.servers);
  const left = result.servers.filter((s) => s.sessions !== null && s.sessions > policy.sessionThreshold).map((s) => `${s.name} ${s.sessions}`).join(', ');
  const note = `drain reached its ${step.interval ? 'drainage interval' : step.quiescing && policy.onTimeout === 'proceed' ? 'quiescing period' : 'maximum wait'} (${policy.maxWaitSeconds}s) with ${[left && `${measure === 'connections' ? 'ORB connections' : 'sessions'} left: ${left}`, unknown && `counts unknown: ${unknown}`].filter(Boolean).join('; ')}`;
  run.event('turnout', 'drain-timeout', note, step.id);
  // Unknown is not zero: `proceed` covers sessions a person chose to abandon, never ones nobody could count.
  if (policy.onTimeout === 'proceed' && !unknown) return 'done';
  if (policy.onTimeout === 'fail') throw ApplicationFailure.nonRetryable(note, failureTypes.drainTimedOut);
  const gate: Gate = { name: step.id, phase: step.phase, kind: 'drain-timeout', question: `${note}. Go on anyway?` };
  return (await awaitApproval(ctx, gate)) ? 'done' : 'interrupted';
}

/**
 * Never installs on a cell that takes new sessions: the cell's routing is read first, and if someone
 * put it back into new-session routing, it is taken out again and drains again. Patched.
 */
async function holdBeforeInstall(ctx: StepContext, step: StepOf<'install'>): Promise<StepOutcome> {
  const expected = ctx.before ? expectedRouting(ctx) : undefined;
  if (!expected || !patched('install-checks-routing')) return 'done';
  for (;;) {
    const drift = await summarized(shortActs().checkRouting, `Check that cell ${step.cell} takes no new sessions before the install`, { estate: ctx.estate, expected });
    if (drift.found.length === 0) return 'done';
    const again = drift.cells.includes(step.cell);
    await correctDrift(ctx, expected, drift, step.id, again ? `; cell ${step.cell} may have taken new sessions, so it drains again before the install` : '');
    const drain = ctx.plan.steps.find((s): s is StepOf<'drain'> => s.kind === 'drain' && s.cell === step.cell);
    if (again && drain && (await runDrain(ctx, drain)) === 'interrupted') return 'interrupted';
  }
}

/**
 * A dead server in the first phase (the first cell or group) fails the check whatever
 * `verify.onDeadServer` says, so the executor rolls back on its own, as it does for every other
 * failure there (seed 003): nothing beyond that phase depends on N+1 yet. Patched: histories that
 * paused there replay as they ran.
 */
function firstPhaseRollsBack(ctx: StepContext, phase: string): boolean {
  const first = ctx.plan.steps[0]?.phase === phase || ctx.plan.firstGroupPhase === phase;
  return first && patched('first-phase-dead-server-rolls-back');
}

/**
 * Every server that should run N+1 by now is up and answers with it. A dead one pauses the rollout
 * for a person (a resume checks again), or fails the step, by policy; in the first phase it always
 * fails the step. Patched.
 */
async function runServerCheck(ctx: StepContext, step: StepOf<'verifyServers'>): Promise<StepOutcome> {
  const { run, request, estate } = ctx;
  if (!patched('verify-servers')) return 'done';
  for (;;) {
    const { dead } = await summarized(shortActs().verifyServers, step.title, { estate, servers: step.servers, version: step.version });
    if (dead.length === 0) {
      run.status.deadServers = undefined;
      run.event('turnout', 'servers-verified', `${listed(step.servers)} answer ${step.version}`, step.id);
      return 'done';
    }
    run.status.deadServers = dead;
    const note = `${dead.map((d) => `${d.name}: ${d.problem}`).join('; ')}; they should run ${step.version}`;
    run.event('turnout', 'dead-server', note, step.id);
    if (request.verify.onDeadServer === 'fail' || firstPhaseRollsBack(ctx, step.phase)) throw ApplicationFailure.nonRetryable(note, failureTypes.deadServer);
    run.paused = true;
    run.event('turnout', 'paused', `paused for a person: repair the server(s), then resume to check again, or roll back. ${note}`, step.id);
    await run.holdWhilePaused();
    if (run.rollback) return 'interrupted';
  }
}

async function runStepKind(ctx: StepContext, step: Step): Promise<StepOutcome> {
  const { run, request, estate } = ctx;
  switch (step.kind) {
    case 'routeCell':
      // Recorded before the call, like an install: the guard and the rollback must know what may be set.
      ctx.routed[step.cell] = step.state;
      await summarized(shortActs().routeCell, step.title, { estate, cell: step.cell, state: step.state });
      return 'done';
    case 'drain':
      return runDrain(ctx, step);
    case 'install':
      if ((await holdBeforeInstall(ctx, step)) === 'interrupted') return 'interrupted';
      // Recorded before the call: a half-finished install must be repaired by a rollback too.
      if (!ctx.tainted.includes(step.cell)) ctx.tainted.push(step.cell);
      for (const cluster of step.clusters) if (!ctx.lb.tainted.includes(cluster)) ctx.lb.tainted.push(cluster);
      await summarized(shortActs().installApp, step.title, { estate, app: request.app, clusters: step.clusters, version: step.version, artifact: step.artifact, virtualHost: step.virtualHost });
      return 'done';
    case 'smokeTest': {
      const r = await summarized(shortActs().smokeTest, step.title, { urls: step.urls, expectVersion: step.expectVersion, policy: request.smokeTest });
      run.event('turnout', 'smoke-test-passed', `${r.requests} request(s) answered ${step.expectVersion}`, step.id);
      return 'done';
    }
    case 'switchVirtualHost':
      await summarized(shortActs().switchVirtualHost, step.title, { estate, app: request.app, clusters: step.clusters, virtualHost: step.virtualHost, restart: step.restart });
      return 'done';
    case 'burnIn':
      // A zero burn-in needs no timer: the SDK would turn sleep(0) into a 1 ms timer that the
      // server fires up to a second later. Patched, so histories with that timer still replay.
      if (step.seconds === 0 && patched('skip-zero-burn-in')) return 'done';
      return (await run.interruptible(() => guarded(ctx, step.id, async () => (await sleep(step.seconds * 1000, { summary: step.title }), true)))) ? 'done' : 'interrupted';
    case 'approval':
      if (step.gate === 'automatic') {
        run.event('turnout', 'approved-automatically', `${step.phase} needs no approval by policy`, step.id);
        return 'done';
      }
      return (await awaitApproval(ctx, { name: step.phase, phase: step.phase, kind: 'phase', question: step.question })) ? 'done' : 'interrupted';
    case 'verifyServers':
      return runServerCheck(ctx, step);
    case 'lbConfig':
      return runLbConfig(ctx, step);
    case 'routeMembers':
    case 'quiesce':
    case 'resetMembers':
    case 'validationBindings':
      return runEditionStep(ctx, step);
    case 'deployVersion':
    case 'switchVersion':
    case 'enableInstance':
    case 'dynamicReconfig':
    case 'sessionStore':
      return runGlassfishStep(ctx, step);
    case 'pluginCfg':
    case 'servers':
    case 'switchBindings':
    case 'ejbSmokeTest':
      return runClusterStep(ctx, step);
  }
}

/** Runs one step, keeping its status and the audit trail. */
export async function runStep(ctx: StepContext, step: Step): Promise<StepOutcome> {
  ctx.run.markStep(step.id, 'running');
  ctx.run.event('turnout', 'step-started', step.title, step.id);
  const outcome = await runStepKind(ctx, step);
  if (outcome === 'done') {
    ctx.run.markStep(step.id, 'done');
    ctx.run.event('turnout', 'step-done', step.title, step.id);
  }
  return outcome;
}
