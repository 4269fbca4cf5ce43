/**
 * Every patch the rollout workflows check, decided once when a rollout starts.
 *
 * A patch decided mid-run is recorded in the workflow task where the code first reached it. Under
 * load (workflow tasks timing out while local activities ran) a replay reached one such check a
 * task earlier than the original run, before the SDK had seen that task's marker: it took the
 * unpatched path and the rollout failed with a nondeterminism error (TMPRL1100, "patch marker
 * encountered for change routing-guard, but there is no corresponding change command"), seen at
 * 50 rollouts on one worker. Decided first, every marker is in the first task, whose markers the
 * SDK knows before the code runs, and every later check returns the remembered decision.
 *
 * Histories recorded before this list existed still replay: during a replay a patch with no marker
 * yet is not remembered as absent, so the mid-run check finds its marker where it always was.
 */
import { patched } from '@temporalio/workflow';

/** The patch IDs, in no particular order; a unit test keeps this list complete. */
export const patchIds = [
  'refuse-unsafe-requests',
  'off-peak-windows',
  'rollout-notifications',
  'short-steps-as-local-activities',
  'routing-guard',
  'install-checks-routing',
  'verify-servers',
  'skip-zero-burn-in',
  'start-skips-running-servers',
  'announce-moved-servers',
  'announced-servers-need-no-hold',
  'first-phase-dead-server-rolls-back',
  'foreign-writes',
  'rollback-retries',
  'rollback-keeps-a-cell-serving',
  'pausable-rollback',
  'java-rollback-starts-first',
  'rollback-without-cancel-ack',
  'rollback-records-repairs-before-closing',
  'each-change-on-record',
  'lease-released-at-end',
  'continue-as-new-at-step-boundaries',
  'rolled-back-ends-failed',
  'rollback-restores-app-servers',
] as const;

/** Decides every patch now, at the start of a rollout (see the module comment for why). */
export function decidePatchesAtStart(): void {
  for (const id of patchIds) patched(id);
}
