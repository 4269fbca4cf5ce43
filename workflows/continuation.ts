/**
 * Continue-as-new at a step boundary, so that a rollout of any size or length stays within
 * Temporal's limits per run (history events and bytes).
 *
 * A run continues only between two forward steps: no activity, drain, gate or rollback is under
 * way, every update has answered, and every notification is delivered. The next run takes over
 * the status (steps, approvals, audit trail), the approvals sent ahead, a pause, what the steps
 * changed so far (the rollback's record) and the target lease, and goes on with the next step.
 * A rollback asked for after the continue rolls back everything, from the first run on.
 *
 * The continuation is taken only by a run the server started as a continue-as-new: a person who
 * passes one to a fresh start cannot skip steps, the target claim or the safeguards.
 */
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import type { Estate, Plan, RolloutRequest, RolloutStatus } from '../src/model';
import type { CarriedNotifications } from './notifications';
import type { CarriedRun } from './rollout-run';
import type { StepContext } from './steps';

/** The patch under which rollouts continue as new; older histories ran in one run. */
export const continueAsNewPatch = 'continue-as-new-at-step-boundaries';

/** A run continues after this many events unless the request says otherwise (half the 10,000 budget). */
export const defaultContinueAfterEvents = 5_000;

/** How long a continue waits for updates under way to answer before it tries again at the next boundary. */
const handlersLimitMs = 10_000;

/** What one step context holds beside the run, the request, the estate and the plan. */
export type CarriedChanges = Omit<StepContext, 'run' | 'request' | 'estate' | 'plan'>;

/** What a rollout's next run takes over from the one before. */
export interface RolloutContinuation {
  /** Runs before this one. */
  runs: number;
  /** The index in the plan of the step the next run starts with. */
  nextStep: number;
  /** The plan's step IDs: the next run plans again and refuses to go on if its plan differs. */
  stepIds: string[];
  /** The estate, when the request only names it: the file may have changed since the first run. */
  estate?: Estate;
  status: RolloutStatus;
  run: CarriedRun;
  approvers?: string[];
  notifications?: CarriedNotifications;
  changes: CarriedChanges;
}

/** The continuation this run was started with, or undefined for a first run. */
export function continuationOf(input: unknown): RolloutContinuation | undefined {
  if (input === undefined || input === null) return undefined;
  // Only the server starts a run as a continue-as-new; a continuation given to a fresh start is ignored.
  if (!workflowInfo().continuedFromExecutionRunId) return undefined;
  return input as RolloutContinuation;
}

/** Whether the rollout continues as new before step `index`: past its budget, and at least one step run here. */
export function continueDue(request: RolloutRequest, index: number, firstIndex: number): boolean {
  if (index <= firstIndex || !patched(continueAsNewPatch)) return false;
  const info = workflowInfo();
  const limit = request.history?.continueAsNewAfterEvents ?? defaultContinueAfterEvents;
  return info.continueAsNewSuggested || info.historyLength >= limit;
}

/** The step context's changes, copied as plain data for the next run. */
export function carriedChanges(ctx: StepContext): CarriedChanges {
  const { before, tainted, routed, changes, edition, lb, glassfish, appServers } = ctx;
  // The app servers' start record goes on too, so a rollback in a later run still puts them back.
  return { before, tainted, routed, changes, edition, lb, glassfish, ...(appServers ? { appServers } : {}) };
}

/**
 * Continues as new with what `continuation` gathers, once every update under way has answered. Resolves (without
 * continuing) when one has not within the limit; the next step boundary tries again.
 */
export async function continueRollout(input: unknown, continuation: () => RolloutContinuation, waitForNotifications: () => Promise<void>): Promise<void> {
  if (!allHandlersFinished() && !(await condition(allHandlersFinished, handlersLimitMs))) return;
  await waitForNotifications();
  await continueAsNew<(request: unknown, continued?: RolloutContinuation) => Promise<RolloutStatus>>(input, continuation());
}

/** Whether the plan made again by a continued run is the one the first run approved steps of. */
export function samePlan(plan: Plan, continuation: RolloutContinuation): boolean {
  return plan.steps.length === continuation.stepIds.length && plan.steps.every((s, i) => s.id === continuation.stepIds[i]);
}
