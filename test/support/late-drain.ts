/**
 * A drain attempt that misses its cancellation, for tests of what a rollback does while a cut-short
 * activity still runs: a worker that sees the cancel only at its next heartbeat, or a driver call
 * that hangs, leaves the attempt polling after the workflow has moved on.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Activities } from '../../activities';
import type { DrainResult } from '../../activities/rollout-types';
import { drainProgressSignal } from '../../workflows/messages';

/** What the late attempt did, for the test to check once it has let it go. */
export interface LateDrain {
  /** The activities, with the drain of `lateStep` late and the drain of `heldStep` held. */
  activities: Activities;
  /** Resolves when the attempt of `lateStep` has begun waiting past its own end. */
  lingering: Promise<void>;
  /** Whether the late attempt has returned. */
  ended(): boolean;
  /** Lets the late attempt report its last poll and return `drained`, and the held drain run. */
  release(): void;
  /** Resolves with what the late attempt's progress signal met, once it has returned. */
  done: Promise<{ progress: 'sent' | 'workflow-gone' }>;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits for `gate`, heartbeating, so the attempt stays alive on the server as a slow poller would. */
async function heartbeatUntil(gate: Promise<void>): Promise<void> {
  let open = false;
  void gate.then(() => (open = true));
  while (!open) {
    Context.current().heartbeat();
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `activities` whose drain of `lateStep` ignores how its real attempt ended (a rollback's cancel
 * included): it stays alive until {@link LateDrain.release}, then sends one more progress report and
 * returns as if every server had drained. The drain of `heldStep` waits for the release before it
 * runs, so the rollback stands still where the test looks.
 */
export function lateDrain(activities: Activities, client: Client, lateStep: string, heldStep: string): LateDrain {
  const released = deferred<void>();
  const lingering = deferred<void>();
  const done = deferred<{ progress: 'sent' | 'workflow-gone' }>();
  let ended = false;
  const late = async (input: Parameters<Activities['drainServers']>[0]): Promise<DrainResult> => {
    // However the real attempt ends (a cancel seen at its heartbeat, or its workflow gone), this one goes on.
    await activities.drainServers(input).catch(() => undefined);
    lingering.resolve();
    await heartbeatUntil(released.promise);
    const servers = input.servers.map((name) => ({ name, sessions: 0 }));
    const deadline = new Date(Date.now() + 60_000).toISOString();
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    const progress = await client.workflow
      .getHandle(workflowId)
      .signal(drainProgressSignal, { stepId: input.stepId, servers, deadline })
      .then(() => 'sent' as const, () => 'workflow-gone' as const);
    ended = true;
    done.resolve({ progress });
    return { drained: true, servers, deadline, waitedSeconds: 1 };
  };
  const drainServers = async (input: Parameters<Activities['drainServers']>[0]): Promise<DrainResult> => {
    if (input.stepId === lateStep) return late(input);
    if (input.stepId === heldStep) await heartbeatUntil(released.promise);
    return activities.drainServers(input);
  };
  return { activities: { ...activities, drainServers }, lingering: lingering.promise, ended: () => ended, release: () => released.resolve(), done: done.promise };
}
