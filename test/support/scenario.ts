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

/** Labs for one file's tests in turn; see {@link labsAhead}. */
export interface LabsAhead {
  /**
   * A lab of estate `file` for the next test: the one started while the test before it ran, if it
   * is of that estate. Starts the one after it, of the estate the plan names next (or this one).
   */
  take(file?: string): Promise<ScenarioLab>;
  /** Stops the lab started for a test that never came. */
  close(): Promise<void>;
}

/**
 * Labs for one file's tests, at `firstOffset` + 500, + 1000, ..., each started in the background
 * while the test before it runs: a lab takes seconds to start on 2 cores, and a test spends most of
 * its time waiting on its rollout. Consecutive labs are 500 apart, so two never share a port
 * (lab-estate.ts). `plan` names the estate of each test's lab in turn, where they differ; a lab
 * started ahead for the wrong estate (a test left out with -t) is stopped, and the right one started.
 */
export function labsAhead(firstOffset: number, plan: readonly (string | undefined)[] = []): LabsAhead {
  let offset = firstOffset;
  let taken = 0;
  let ahead: { file: string | undefined; lab: Promise<ScenarioLab> } | undefined;
  const start = (file: string | undefined): Promise<ScenarioLab> => {
    const lab = startScenarioLab((offset += 500), file);
    // Awaited by take() or close(); until then its failure is nobody's.
    lab.catch(() => undefined);
    return lab;
  };
  const stopAhead = async (): Promise<void> => {
    const last = ahead;
    ahead = undefined;
    await last?.lab.then((lab) => lab.stop(), () => undefined);
  };
  return {
    async take(file) {
      if (ahead && ahead.file !== file) await stopAhead();
      const early = ahead?.lab;
      ahead = undefined;
      // A lab that failed to start in the background (it started beside a test) is started again
      // here, where the test would have started it.
      const lab = await (early ? early.catch(() => start(file)) : start(file));
      taken += 1;
      const next = taken < plan.length ? plan[taken] : file;
      ahead = { file: next, lab: start(next) };
      return lab;
    },
    close: stopAhead,
  };
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
