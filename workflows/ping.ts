/**
 * The worker's self-check: a workflow that runs one activity and logs on both sides, so that one
 * run proves the server, the task queue, the bundle, the activities and the log bridge all work.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { ping } = proxyActivities<Pick<Activities, 'ping'>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** What {@link pingWorkflow} returns. */
export interface PingResult {
  /** The workflow's own echo of the message. */
  workflow: string;
  /** The activity's answer. */
  activity: string;
}

/** Logs `message`, has the `ping` activity echo it, and returns both echoes. */
export async function pingWorkflow(message: string): Promise<PingResult> {
  log.info('pingWorkflow received a message', { message });
  const activity = await ping(message);
  return { workflow: `workflow:${message}`, activity };
}
