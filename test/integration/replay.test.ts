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
