/**
 * The production stack for test/production: started once per file on free ports, with the shared
 * workflow bundle so that its workers (and their replacements) poll within seconds.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startStack, type Stack, type StackWorker } from '../../src/stack/stack';
import type { TokenRole } from '../../src/stack/jwt';
import { testTemporal } from './temporal';
import { tempDir } from './temp-dir';

/** Starts the stack for this test file. */
export function startTestStack(): Promise<Stack> {
  const dir = tempDir('stack');
  return startStack({ dir, frontendPort: 0, uiPort: 0, workers: 2, estatesDir: path.resolve(__dirname, '..', '..', 'estates'), workerEnv: { TURNOUT_WORKFLOW_BUNDLE: testTemporal().bundlePath } });
}

/** A client holding `role`'s token. */
export async function stackClient(stack: Stack, role: TokenRole): Promise<Client> {
  const connection = await Connection.connect({ address: stack.address, apiKey: readFileSync(stack.tokenFiles[role], 'utf8'), tls: false });
  return new Client({ connection, namespace: stack.namespace });
}

/**
 * The worker that holds the rollout's running `activityType` (any activity when not given), else
 * the one that took its last workflow task (whose cache holds the workflow): the one whose death the
 * rollout must survive. The type matters: the routing guard's activity runs beside the drain, often
 * on the other worker, and killing that one leaves the drain untouched.
 */
export async function workerHolding(stack: Stack, handle: WorkflowHandle, activityType?: string): Promise<StackWorker | undefined> {
  const description = await handle.describe();
  const identities = (description.raw.pendingActivities ?? [])
    .filter((a) => activityType === undefined || a.activityType?.name === activityType)
    .map((a) => a.lastWorkerIdentity)
    .filter(Boolean);
  if (identities.length === 0) {
    const history = await handle.fetchHistory();
    const last = [...(history.events ?? [])].reverse().find((e) => e.workflowTaskStartedEventAttributes?.identity);
    if (last?.workflowTaskStartedEventAttributes?.identity) identities.push(last.workflowTaskStartedEventAttributes.identity);
  }
  return stack.workers.find((w) => w.pid() !== undefined && identities.includes(w.identity()));
}
