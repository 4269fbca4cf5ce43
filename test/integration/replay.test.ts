/**
 * (g) Determinism: every history the integration tests recorded in this run (test-results/histories)
 * and every history kept in test/fixtures/histories replays against the current workflow code.
 * A change to workflow logic that would break running rollouts fails here; guard it with patched().
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historiesDir, historyFromObject } from '../support/rollout-harness';
import { testTemporal } from '../support/temporal';

const kept = path.resolve(__dirname, '..', 'fixtures', 'histories');

function histories(): { workflowId: string; history: ReturnType<typeof historyFromObject> }[] {
  return [kept, historiesDir]
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)))
    .map((file) => ({ workflowId: path.relative(path.resolve(__dirname, '..', '..'), file), history: historyFromObject(JSON.parse(readFileSync(file, 'utf8'))) }));
}

const runDir = path.resolve(__dirname, '..', '..', 'test-results', 'run');
/** Longer than any other test file takes; past it the replay goes on with what was recorded. */
const waitForOthersMs = 20 * 60_000;

/** Waits until every other test file of this run has finished (see run-progress-reporter.js). */
async function othersFinished(): Promise<void> {
  const deadline = Date.now() + waitForOthersMs;
  const count = (name: string) => (existsSync(path.join(runDir, name)) ? readFileSync(path.join(runDir, name), 'utf8') : '');
  for (;;) {
    const total = Number(count('total') || '1');
    const finished = count('finished').split('\n').filter(Boolean).length;
    if (finished >= total - 1 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

beforeAll(othersFinished, waitForOthersMs + 60_000);

describe('replay', () => {
  it('(g) replays every recorded rollout history without a determinism error', async () => {
    const all = histories();
    expect(all.length).toBeGreaterThanOrEqual(5);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: testTemporal().bundlePath } }, all)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
