/**
 * The shared executor every procedure runs on: validate, plan, claim the target, then the plan's
 * steps in order through gates, pauses and drains, with a rollback that can start at any moment.
 *
 * Order matters for "nothing touched": validation, estate resolution, planning and the target
 * claim all happen before the first activity that changes anything.
 */
import {
  ApplicationFailure,
  CancellationScope,
  type ChildWorkflowHandle,
  ContinueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { formatProblems, validateRequest, type Estate, type InputProblem, type Plan, type RolloutRequest, type RolloutStatus, type WorkflowType } from '../src/model';
import { resolveApprovers } from '../src/planning/approvers';
import { PlanningError } from '../src/planning/planning-error';
import { planSafeguardProblems, requestSafeguardProblems } from '../src/planning/safeguards';
import { shortActs } from './activity-proxies';
import { failureTypes, type FailureType } from './failure-types';
import { noClusterChanges } from './cluster-steps';
import { refuseAutomaticPluginCfg, stopForForeignWrites } from './foreign-writes';
import { noEditionChanges } from './edition-steps';
import { noLbChanges } from './lb-steps';
import { noGlassfishChanges } from './glassfish-steps';
import { RolloutNotifications } from './notifications';
import { RolloutRun } from './rollout-run';
import { rolloutSearchAttributes } from './search-attributes';
import { runStep, type StepContext } from './steps';
import { releaseLeaseSignal, rolloutTargetLease, targetLeaseId } from './target-lease';
import { carriedChanges, continuationOf, continueDue, continueRollout, samePlan, type RolloutContinuation } from './continuation';
import { awaitWindow } from './windows';
import { registerEstate } from './estate-refs';
import { decidePatchesAtStart } from './patches';
import { appServersStepId, appServersStepTitle, markUndone, recordAppServerStart, restoreAppServers } from './app-server-restore';
import { tracked } from './rollback';

/** A procedure's planner, as the executor calls it. */
export type Planner = (request: RolloutRequest, estate: Estate) => Plan;

/** What one procedure brings to the shared executor. */
export interface Procedure {
  plan: Planner;
  /** Records, before the first change, what a rollback puts back. */
  recordStart(ctx: StepContext): Promise<void>;
  /** Rolls back whatever the steps changed; routing first. */
  rollBack(ctx: StepContext, failedStep: string | undefined): Promise<void>;
  /** Puts back what must not stay changed when the rollout fails without a rollback (seed 000's dynamic reconfiguration). */
  settle?(ctx: StepContext): Promise<void>;
}

function validated(input: unknown): RolloutRequest {
  const checked = validateRequest(input);
  if (!checked.ok) throw ApplicationFailure.nonRetryable(`invalid rollout request:\n${formatProblems(checked.problems)}`, failureTypes.invalidInput);
  return checked.value;
}

const safeguardsPatch = 'refuse-unsafe-requests';
const eachChangeOnRecordPatch = 'each-change-on-record';

/**
 * Requests that would silently remove a safeguard fail the way invalid input does, before anything
 * is touched. Patched: histories recorded before the check replay as they ran.
 */
function refuseUnsafe(problems: () => InputProblem[]): void {
  if (!patched(safeguardsPatch)) return;
  const found = problems();
  if (found.length > 0) throw ApplicationFailure.nonRetryable(`invalid rollout request:\n${formatProblems(found)}`, failureTypes.invalidInput);
}

function planned(planner: Planner, request: RolloutRequest, estate: Estate): Plan {
  try {
    return planner(request, estate);
  } catch (err) {
    if (err instanceof PlanningError) throw ApplicationFailure.nonRetryable(`cannot plan: ${err.message}`, failureTypes.planningRefused);
    throw err;
  }
}

/**
 * The patch under which the lease outlives a continue-as-new and is released as the rollout ends
 * (workflows/target-lease.ts); before it, the lease ended with its parent run.
 */
const leaseReleasedPatch = 'lease-released-at-end';

function targetBusy(target: string, owner: string | null): never {
  throw ApplicationFailure.nonRetryable(`a rollout of ${target} is already running${owner ? `: ${owner}` : ''}; nothing was touched`, failureTypes.targetBusy);
}

/**
 * The lease this run started, if it did: a continued run holds its lease without being its parent,
 * and only the parent run hears the lease complete.
 */
let leaseChild: ChildWorkflowHandle<typeof rolloutTargetLease> | undefined;

async function startLease(target: string, released: boolean): Promise<void> {
  leaseChild = await startChild(rolloutTargetLease, {
    workflowId: targetLeaseId(target),
    args: [workflowInfo().workflowId],
    parentClosePolicy: released ? ParentClosePolicy.ABANDON : ParentClosePolicy.TERMINATE,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
}

async function claimTarget(run: RolloutRun, target: string): Promise<void> {
  const released = patched(leaseReleasedPatch);
  try {
    await startLease(target, released);
    return;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    if (!released) targetBusy(target, await shortActs().findTargetOwner(target));
  }
  // A lease whose rollout closed without releasing it (terminated by a person) is ended, once.
  const held = await shortActs().takeOverTargetLease(target);
  if (held.owner !== null && !held.takenOver) targetBusy(target, held.owner);
  if (held.takenOver) run.event('turnout', 'lease-taken-over', `the lease of ${target} was left by ${held.owner}, which no longer runs; this rollout took it over`);
  try {
    await startLease(target, released);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    targetBusy(target, await shortActs().findTargetOwner(target));
  }
}

/** Gives the target back as the rollout ends, whatever ended it; a continue-as-new keeps it. */
async function releaseTarget(target: string): Promise<void> {
  if (!patched(leaseReleasedPatch)) return;
  // Non-cancellable: a cancelled rollout still gives its target back. The parent run then waits for
  // the lease to complete: its completion arriving during the closing task made the server refuse
  // that task (UnhandledCommand), seen in the message fuzz.
  await CancellationScope.nonCancellable(async () => {
    await getExternalWorkflowHandle(targetLeaseId(target)).signal(releaseLeaseSignal, { owner: workflowInfo().workflowId });
    await leaseChild?.result();
  }).catch(() => undefined);
}

function upsertRolloutAttributes(run: RolloutRun, request: RolloutRequest, plan: Plan): void {
  upsertSearchAttributes([
    { key: rolloutSearchAttributes.app, value: request.app },
    { key: rolloutSearchAttributes.target, value: plan.target },
    { key: rolloutSearchAttributes.strategy, value: plan.workflowType },
    { key: rolloutSearchAttributes.state, value: run.status.state },
  ]);
}

function begin(run: RolloutRun, request: RolloutRequest, plan: Plan): void {
  Object.assign(run.status, { app: request.app, fromVersion: request.fromVersion, toVersion: request.toVersion, target: plan.target });
  run.status.steps = plan.steps.map((s) => ({ id: s.id, title: s.title, status: 'pending' }));
  run.plan = plan;
  upsertRolloutAttributes(run, request, plan);
  if (plan.estimate) run.status.duration = { seedEstimateSeconds: plan.estimate.seedSeconds, turnoutEstimateSeconds: plan.estimate.turnoutSeconds, startedAt: new Date().toISOString() };
  run.event(request.startedBy ?? 'turnout', 'rollout-started', `${plan.workflowType}: ${request.app} ${request.fromVersion} -> ${request.toVersion}, ${plan.steps.length} steps`);
}

/**
 * How a rollout that did not succeed closes: as a typed failure, so the UI shows it in red, not as a
 * green Completed, with the final status as its details, so a client has it without a query (the
 * `status` query and `RolloutState` keep the precise state). Histories recorded before the patch
 * completed a rolled-back rollout with its status, and failed without details; they replay so.
 */
function closeNotSucceeded(run: RolloutRun, message: string, type: typeof failureTypes.rolledBack): RolloutStatus;
function closeNotSucceeded(run: RolloutRun, message: string, type: FailureType): never;
function closeNotSucceeded(run: RolloutRun, message: string, type: FailureType): RolloutStatus {
  const failed = patched('rolled-back-ends-failed');
  if (!failed && type === failureTypes.rolledBack) return run.status;
  // Details are converted when the workflow closes, so they hold what settling and notifications add.
  throw ApplicationFailure.nonRetryable(message, type, ...(failed ? [run.status] : []));
}

/** The approval policy's `onTimeout: fail`: the request asked to stop where it is, not to roll back. */
function failOnApprovalTimeout(ctx: StepContext, stepId: string, err: ApplicationFailure): never {
  ctx.run.markStep(stepId, 'failed');
  ctx.run.event('turnout', 'approval-timeout', err.message, stepId);
  ctx.run.status.reason = err.message;
  ctx.run.status.currentStep = null;
  ctx.run.setState('failed');
  return closeNotSucceeded(ctx.run, err.message, failureTypes.approvalTimedOut);
}

/** What a failed step does: the first phase always rolls back (seed 003); later ones follow the policy. */
function onStepFailure(ctx: StepContext, stepId: string, phase: string, err: unknown): 'rollback' | 'pause' {
  if (err instanceof ApplicationFailure && err.type === failureTypes.approvalTimedOut) failOnApprovalTimeout(ctx, stepId, err);
  const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  const reason = `step ${stepId} failed: ${message}`;
  ctx.run.markStep(stepId, 'failed');
  ctx.run.event('turnout', 'step-failed', reason, stepId);
  ctx.run.status.reason = reason;
  // An edition's first group may follow its validation phase: both always roll back (seed 003).
  const firstPhase = ctx.plan.steps[0]?.phase === phase || ctx.plan.firstGroupPhase === phase;
  const action = firstPhase ? 'rollback' : ctx.request.rollback.onFailure;
  if (action === 'fail') {
    ctx.run.setState('failed');
    closeNotSucceeded(ctx.run, reason, failureTypes.rolloutFailed);
  }
  if (action === 'pause') {
    ctx.run.paused = true;
    return 'pause';
  }
  ctx.run.requestRollback({ by: 'turnout', reason: firstPhase ? `${reason} (a failure in the first phase always rolls back)` : reason });
  return 'rollback';
}

/**
 * A person ended the rollback where it stood: what it had not restored stays as it is, on the
 * record. The rollout ends failed, the one way it may end with routing not fully restored.
 */
async function leaveAsIs(run: RolloutRun, by: { by: string; reason: string }): Promise<never> {
  const undone = run.status.steps.filter((s) => s.id.startsWith('rollback.') && (s.status === 'pending' || s.status === 'running' || s.status === 'failed'));
  for (const step of undone) if (step.status !== 'failed') run.markStep(step.id, 'skipped');
  const reason = `rollback left as is by ${by.by}: ${by.reason}; not restored: ${undone.map((s) => s.id).join(', ') || 'nothing'}`;
  run.status.reason = reason;
  run.status.currentStep = null;
  run.status.rollback = { ...(run.status.rollback ?? { route: [] }), blocked: undefined, leftAsIs: { by: by.by, reason: by.reason, at: new Date().toISOString() } };
  run.event(by.by, 'left-as-is', reason);
  run.setState('failed');
  // The update that asked for it answers with this status before the workflow ends.
  await run.settle();
  return closeNotSucceeded(run, reason, failureTypes.rollbackLeftAsIs);
}

/** The actual duration beside the plan's estimates, from the workflow's own clock. */
function endDuration(run: RolloutRun): void {
  const d = run.status.duration;
  if (d) d.actualSeconds = Math.round((Date.now() - Date.parse(d.startedAt)) / 1000);
}

/** Continues the rollout as a new run before step `index` (or, if it cannot yet, resolves and the steps go on). */
type ContinueAt = (index: number) => Promise<void>;

/** Runs the plan's steps from `first`; returns the step that failed into a rollback, if one did. */
async function runSteps(ctx: StepContext, first: number, continueAt: ContinueAt): Promise<string | undefined> {
  const { run, plan } = ctx;
  for (let i = first; i < plan.steps.length; ) {
    await run.holdWhilePaused();
    if (run.rollback) return undefined;
    if (continueDue(ctx.request, i, first)) await continueAt(i);
    const step = plan.steps[i] as Plan['steps'][number];
    if (!(await awaitWindow(ctx, step.id))) return undefined;
    try {
      // A file someone else rewrote stops the rollout here, before the step, for a person.
      if ((await stopForForeignWrites(ctx, step)) === 'interrupted') return undefined;
      if ((await runStep(ctx, step)) === 'interrupted') return undefined;
      if (step.disruptive) await commitStep();
      i++;
    } catch (err) {
      if (run.rollback) return step.id;
      // 'pause' retries the same step after a person resumes.
      if (onStepFailure(ctx, step.id, step.phase, err) === 'rollback') return step.id;
    }
  }
  return undefined;
}

/**
 * Ends the workflow task after a step that changed something, so that its local activities are on
 * record before the next step's begin. The server refuses a task completion when an event arrived
 * during it (a cancelled watcher's or drain's completion), and the refused task's local activities
 * run again: seen in the concurrent bench, an install ran again after the next steps had already
 * mapped the cell to the production virtual host and restarted it, and the smoke test that followed
 * failed against the production mapping (2 of 10 and 16 of 50 rollouts rolled back). With a task
 * boundary after each change, a refused task repeats one idempotent step, never an earlier one
 * after a later one. Patched: older histories ran several steps in one task.
 */
async function commitStep(): Promise<void> {
  if (patched(eachChangeOnRecordPatch)) await sleep(1);
}

/**
 * Lets the workflow task that ran the rollback's last repairs complete before the rollout closes.
 * The server refuses a task that closes the workflow when an event arrived during it (a cut-short
 * drain's late progress or completion), and the task runs again with its local activities: the
 * check before a reinstall then took the routing the rollback had just restored for drift, and
 * took the cell out of new-session routing again. A closing task without local activities can run
 * twice harmlessly. Patched: older histories closed in the same task.
 */
async function recordRepairs(): Promise<void> {
  if (patched('rollback-records-repairs-before-closing')) await sleep(1);
}

/** After the procedure's own route (routing first): the app servers' start, then the forward steps marked undone. */
async function restoreStart(ctx: StepContext): Promise<void> {
  if (ctx.run.leftAsIs) return;
  if (appServersStepTitle(ctx) && !(await tracked(ctx, appServersStepId, () => restoreAppServers(ctx)))) return;
  markUndone(ctx);
}

/** Runs the steps; a failure that ends the rollout first lets the procedure settle (its failure stays the outcome). */
async function settledOnFailure<T>(ctx: StepContext, procedure: Procedure, fn: () => Promise<T>): Promise<T> {
  if (!procedure.settle) return fn();
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    try {
      await procedure.settle(ctx);
    } catch (settleErr) {
      ctx.run.event('turnout', 'settle-failed', `could not put back what the failed rollout changed: ${settleErr instanceof Error ? settleErr.message : String(settleErr)}`);
    }
    throw err;
  }
}

/**
 * Runs a rollout of `workflowType` with its planner. Resolves to the final status. `continued` is
 * what the run before handed over when it continued as new (workflows/continuation.ts).
 */
export async function runRollout(workflowType: WorkflowType, input: unknown, procedure: Procedure, continued?: unknown): Promise<RolloutStatus> {
  decidePatchesAtStart();
  const run = new RolloutRun(workflowType);
  run.registerHandlers();
  const request = validated(input);
  run.request = request;
  const carried = continuationOf(continued);
  if (!carried) refuseUnsafe(() => requestSafeguardProblems(request));
  const estate = carried?.estate ?? (typeof request.estate === 'string' ? await shortActs().resolveEstate(request.estate) : request.estate);
  registerEstate(estate);
  const plan = planned(procedure.plan, request, estate);
  if (carried) {
    goOn(run, request, plan, carried);
  } else {
    refuseUnsafe(() => planSafeguardProblems(request, estate, plan, new Date()));
    await refuseAutomaticPluginCfg(estate, plan);
    run.approvers = resolveApprovers(request, estate);
    begin(run, request, plan);
    await claimTarget(run, plan.target);
  }
  run.notifications = RolloutNotifications.of(run, request, estate);
  if (carried?.notifications) run.notifications?.takeOver(carried.notifications);
  try {
    return await runClaimed({ run, request, estate, plan, procedure, input, carried });
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // Whatever ended it, the people who asked hear that it failed (once: a failed state already told them).
    run.notifications?.send('failed', run.status.reason ?? (err instanceof Error ? err.message : String(err)));
    await releaseTarget(plan.target);
    throw err;
  } finally {
    await run.notifications?.flush();
  }
}

/** A continued run takes over from the one before; a plan that came out different is rolled back. */
function goOn(run: RolloutRun, request: RolloutRequest, plan: Plan, carried: RolloutContinuation): void {
  run.plan = plan;
  run.approvers = carried.approvers;
  run.takeOver(carried.status, carried.run);
  upsertRolloutAttributes(run, request, plan);
  if (!samePlan(plan, carried)) {
    run.requestRollback({ by: 'turnout', reason: 'after continue-as-new the plan came out different from the one this rollout began with (a worker with other planning code?); rolling back what it changed' });
  }
}

/** Everything one run of a claimed rollout works with. */
interface ClaimedRun {
  run: RolloutRun;
  request: RolloutRequest;
  estate: Estate;
  plan: Plan;
  procedure: Procedure;
  /** The request as the workflow got it, passed on unchanged to a continued run. */
  input: unknown;
  carried: RolloutContinuation | undefined;
}

/** The rollout once its target is claimed: the steps, then the rollback if one was asked for. */
async function runClaimed(claimed: ClaimedRun): Promise<RolloutStatus> {
  const { run, request, estate, plan, procedure, carried } = claimed;
  const fresh = { before: undefined, tainted: [], routed: {}, changes: noClusterChanges(), edition: noEditionChanges(), lb: noLbChanges(), glassfish: noGlassfishChanges() };
  const ctx: StepContext = { run, request, estate, plan, ...(carried?.changes ?? fresh) };
  if (!carried && !run.rollback) {
    await procedure.recordStart(ctx);
    await recordAppServerStart(ctx);
  }
  const failedStep = await settledOnFailure(ctx, procedure, () => runSteps(ctx, carried?.nextStep ?? 0, continueAt(claimed, ctx)));
  run.status.currentStep = null;
  if (run.rollback) {
    await procedure.rollBack(ctx, failedStep);
    await restoreStart(ctx);
    await recordRepairs();
    if (run.leftAsIs) return leaveAsIs(run, run.leftAsIs);
    run.status.reason ??= run.rollback.reason;
    endDuration(run);
    run.setState('rolled-back');
    run.event('turnout', 'rolled-back', `rolled back: ${run.rollback.reason}`);
    // Patched, this throws: runRollout's catch then gives the target back, as for every failure.
    const status = closeNotSucceeded(run, `rolled back: ${run.rollback.reason}`, failureTypes.rolledBack);
    await releaseTarget(plan.target);
    return status;
  }
  endDuration(run);
  run.setState('succeeded');
  run.event('turnout', 'succeeded', `${request.app} ${request.toVersion} is live on ${plan.target}`);
  await releaseTarget(plan.target);
  return run.status;
}

/** How this run hands the rollout over to a new one before step `index`. */
function continueAt(claimed: ClaimedRun, ctx: StepContext): ContinueAt {
  const { run, request, estate, plan, input, carried } = claimed;
  return (index) =>
    continueRollout(
      input,
      () => {
        const step = plan.steps[index];
        run.event('turnout', 'continued-as-new', `history at ${workflowInfo().historyLength} events: the rollout goes on in a new run from ${step?.id ?? 'its last step'}`);
        return {
          runs: (carried?.runs ?? 0) + 1,
          nextStep: index,
          stepIds: plan.steps.map((s) => s.id),
          ...(typeof request.estate === 'string' ? { estate } : {}),
          status: run.status,
          run: run.carried(),
          ...(run.approvers ? { approvers: run.approvers } : {}),
          ...(run.notifications ? { notifications: run.notifications.carried() } : {}),
          changes: carriedChanges(ctx),
        };
      },
      async () => run.notifications?.flush(),
    );
}
