/**
 * A describe block whose every test gets a fresh lab (its own ports, its own target) and a worker
 * with the real activities, and whose leftovers (load, rollouts, the lab) are cleaned up after each
 * test, passed or failed.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { startScenarioLab, stopAllLoad, terminateLeftovers, type ScenarioLab } from './rollout-harness';
import { testClient, withTestWorker } from './temporal';

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');

/** What the tests of a {@link labPerTest} block use. */
export interface LabPerTest {
  /** The current test's lab. */
  lab(): ScenarioLab;
  /** Runs `fn` while a worker with the rollout activities for this lab polls a fresh task queue. */
  withWorker<T>(fn: (client: Client, taskQueue: string) => Promise<T>): Promise<T>;
}

/** Registers beforeEach/afterEach: a lab per test at `firstOffset` + 500, + 1000, ... of estate `file`. */
export function labPerTest(firstOffset: number, file?: string): LabPerTest {
  let lab: ScenarioLab | undefined;
  let offset = firstOffset;
  beforeEach(async () => {
    lab = await startScenarioLab((offset += 500), file);
  });
  afterEach(async () => {
    stopAllLoad();
    await terminateLeftovers();
    await lab?.stop();
  });
  const current = (): ScenarioLab => {
    if (!lab) throw new Error('no lab: labPerTest works inside tests only');
    return lab;
  };
  return {
    lab: current,
    async withWorker(fn) {
      const client = await testClient();
      return withTestWorker(createActivities({ estatesDir, client, baseDir: current().dir }), ({ taskQueue }) => fn(client, taskQueue));
    },
  };
}
