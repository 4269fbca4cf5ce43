/**
 * The off-peak window hold at a step boundary. Before each step of the forward plan the executor
 * asks whether a window is open at workflow time; if not, the rollout waits (`waiting-window`) on a
 * durable timer until the next opening. A step already under way when a window closes runs to its
 * end: only the start of a step is held.
 *
 * While waiting, a pause holds here too (and the wait goes on after the resume), approvals are
 * recorded for their gates, and a rollback ends the wait at once: rollback steps never wait.
 */
import { ApplicationFailure, condition, patched } from '@temporalio/workflow';
import type { Windows } from '../src/model';
import { PlanningError } from '../src/planning/planning-error';
import { formatInstant, windowState, type WindowState } from '../src/planning/windows';
import { failureTypes } from './failure-types';
import type { StepContext } from './steps';

/**
 * A schedule that never opens cannot be waited for. Before the first step nothing was touched, so it
 * is invalid input; later the rollout cannot finish inside its windows, so it rolls back.
 */
function evaluate(ctx: StepContext, windows: Windows): WindowState | undefined {
  const { run } = ctx;
  try {
    return windowState(windows, new Date());
  } catch (err) {
    if (!(err instanceof PlanningError)) throw err;
    if (run.status.steps.every((s) => s.status === 'pending')) throw ApplicationFailure.nonRetryable(`invalid rollout request:\n${err.message}`, failureTypes.invalidInput);
    run.requestRollback({ by: 'turnout', reason: err.message });
    return undefined;
  }
}

/**
 * Holds until an off-peak window is open, when the request has windows. Resolves to true when step
 * `stepId` may begin, false when a rollback request ended the wait.
 */
export async function awaitWindow(ctx: StepContext, stepId: string): Promise<boolean> {
  const { run, request } = ctx;
  // Histories recorded before windows were enforced ran their steps at once; they replay that way.
  const windows = request.windows;
  if (!windows || !patched('off-peak-windows')) return !run.rollback;
  const timeZone = windows.timeZone;
  for (let waited = false; ; ) {
    await run.holdWhilePaused();
    const state = run.rollback ? undefined : evaluate(ctx, windows);
    if (!state) {
      run.status.window = undefined;
      return false;
    }
    if (state.open) {
      run.status.window = { closesAt: state.closesAt, timeZone };
      if (waited) run.event('turnout', 'window-opened', `the off-peak window is open until ${formatInstant(state.closesAt, timeZone)}`, stepId);
      if (run.status.state === 'waiting-window') run.setState('running');
      return true;
    }
    const opening = formatInstant(state.opensAt, timeZone);
    run.status.window = { opensAt: state.opensAt, timeZone };
    if (!waited) run.event('turnout', 'waiting-window', `outside the off-peak windows: ${stepId} begins when the next one opens, ${opening}`, stepId);
    waited = true;
    run.setState('waiting-window');
    run.publish();
    // Wakes early for a pause (held above, then the window is asked again) or a rollback.
    const ms = Math.max(1, Date.parse(state.opensAt) - Date.now());
    await condition(() => run.paused || run.rollback !== undefined, ms, { summary: `off-peak window opens ${state.opensAt}` });
  }
}
