/** Waiting on a running rollout's status, as tests, benchmarks and rehearsals on the lab do. */
import type { WorkflowHandle } from '@temporalio/client';
import type { RolloutStatus } from '../model';
import { statusQuery } from '../../workflows/messages';

/** How often to poll, and for how long at most (far beyond any real wait). */
export interface WaitOptions {
  everyMs?: number;
  limitMs?: number;
}

async function closedStatus(handle: WorkflowHandle): Promise<string | undefined> {
  const d = await handle.describe();
  return d.status.name === 'RUNNING' ? undefined : d.status.name;
}

/** Polls the status query until `want` holds. Fails at once if the workflow closes first. */
export async function waitForStatus(handle: WorkflowHandle, want: (s: RolloutStatus) => boolean, what: string, opts: WaitOptions = {}): Promise<RolloutStatus> {
  const { everyMs = 200, limitMs = 150_000 } = opts;
  const deadline = Date.now() + limitMs;
  let last: RolloutStatus | undefined;
  for (let i = 0; ; i++) {
    try {
      last = await handle.query(statusQuery);
      if (want(last)) return last;
    } catch {
      // The workflow may not have run its first task yet.
    }
    const closed = i % 10 === 9 ? await closedStatus(handle) : undefined;
    if (closed || Date.now() > deadline) {
      const why = closed ? `the workflow closed (${closed})` : 'time ran out';
      throw new Error(`rollout ${handle.workflowId} never reached ${what}: ${why}; last status: ${JSON.stringify(last, null, 1)}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
