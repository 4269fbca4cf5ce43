/**
 * Driving rollouts from a benchmark: the request, waiting on the status query, and waiting for the
 * target lease of a finished rollout to close before the next one claims the same target.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Estate, RolloutStatus } from '../src/model';
import { targetOf } from '../src/model/plan';
import { labRolloutRequest } from '../src/lab/lab-request';
import { waitForStatus as waitForLabStatus } from '../src/lab/wait-for-status';
import { targetLeaseId } from '../workflows/target-lease';
import { rolloutOutcome } from '../src/cli/rollout-outcome';

/** A multiCellRollout request on the bench lab; `over` replaces top-level fields. */
export function benchRequest(estate: Estate, over: Record<string, unknown> = {}): Record<string, unknown> {
  return labRolloutRequest(estate, {
    drain: { pollIntervalSeconds: 1, maxWaitSeconds: 3600, sessionThreshold: 0, onTimeout: 'fail' },
    burnInSeconds: 0,
    smokeTest: { requests: 1, timeoutSeconds: 10 },
    startedBy: 'bench',
    ...over,
  });
}

/** Far beyond any real wait: reaching it means the state never came. */
const waitLimitMs = 120_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls the status query every `everyMs` until `want` holds (the lab's poller, at bench pace). */
export function waitForStatus(handle: WorkflowHandle, want: (s: RolloutStatus) => boolean, what: string, everyMs = 20): Promise<RolloutStatus> {
  return waitForLabStatus(handle, want, what, { everyMs, limitMs: waitLimitMs });
}

/**
 * Waits until no lease holds the estate's target. The lease child is terminated when its rollout
 * closes, but the server does that asynchronously; the next rollout would otherwise be refused.
 */
export async function waitForTargetFree(client: Client, app: string, estate: Estate): Promise<void> {
  const id = targetLeaseId(targetOf(app, estate.name));
  const deadline = Date.now() + waitLimitMs;
  for (;;) {
    const running = await client.workflow
      .getHandle(id)
      .describe()
      .then((d) => d.status.name === 'RUNNING')
      .catch(() => false);
    if (!running) return;
    if (Date.now() > deadline) throw new Error(`target lease ${id} still running`);
    await sleep(20);
  }
}

/** Waits for a rollout's result and checks it ended in `state`. */
export async function expectEnd(handle: WorkflowHandle, state: RolloutStatus['state']): Promise<RolloutStatus> {
  const final = await rolloutOutcome(handle);
  if (final.state !== state) throw new Error(`${handle.workflowId} ended ${final.state}, expected ${state}: ${final.reason ?? ''}`);
  return final;
}
