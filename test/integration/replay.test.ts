/**
 * (g) Determinism: every history the integration tests recorded in this run (test-results/histories)
 * and every history kept in test/fixtures/histories replays against the current workflow code.
 * A change to workflow logic that would break running rollouts fails here; guard it with patched().
 *
 * The replay test runs last, beside the other worker's last file. It replays what is already there
 * while it waits for that file to finish, so that only the histories the last file records are left
 * to replay at the end (replaying them all at the end made the run wait for it alone).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historiesDir, historyFromObject } from '../support/rollout-harness';
import { testTemporal } from '../support/temporal';

const root = path.resolve(__dirname, '..', '..');
const kept = path.resolve(__dirname, '..', 'fixtures', 'histories');

/** Every history file, as its path and the version of it on disk (a history recorded again is replayed again). */
function historyFiles(): { file: string; version: string }[] {
  return [kept, historiesDir]
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)))
    .map((file) => {
      const { mtimeMs, size } = statSync(file);
      return { file, version: `${mtimeMs}:${size}` };
    });
}

/** The version of each history file replayed so far, and what failed. */
const replayed = new Map<string, string>();
const failures = new Map<string, string>();

/** Replays every history file not replayed yet (or recorded again since). */
async function replayNew(): Promise<void> {
  const fresh = historyFiles().filter(({ file, version }) => replayed.get(file) !== version);
  if (fresh.length === 0) return;
  const histories = fresh.map(({ file }) => ({ workflowId: path.relative(root, file), history: historyFromObject(JSON.parse(readFileSync(file, 'utf8'))) }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: testTemporal().bundlePath } }, histories)) {
    if (result.error) failures.set(result.workflowId, `${result.workflowId}: ${result.error.message}`);
    else failures.delete(result.workflowId);
  }
  for (const { file, version } of fresh) replayed.set(file, version);
}

const runDir = path.resolve(root, 'test-results', 'run');
/** Longer than any other test file takes; past it the replay goes on with what was recorded. */
const waitForOthersMs = 20 * 60_000;

/**
 * Waits until every other test file of this run has finished (see run-progress-reporter.js),
 * replaying the histories recorded so far as it waits.
 */
async function othersFinished(): Promise<void> {
  const deadline = Date.now() + waitForOthersMs;
  const count = (name: string) => (existsSync(path.join(runDir, name)) ? readFileSync(path.join(runDir, name), 'utf8') : '');
  for (;;) {
    const total = Number(count('total') || '1');
    const finished = count('finished').split('\n').filter(Boolean).length;
    if (finished >= total - 1 || Date.now() > deadline) return;
    await replayNew();
    await new Promise((r) => setTimeout(r, 1000));
  }
}

beforeAll(othersFinished, waitForOthersMs + 60_000);

describe('replay', () => {
  it('(g) replays every recorded rollout history without a determinism error', async () => {
    await replayNew();
    expect(replayed.size).toBeGreaterThanOrEqual(5);
    expect([...failures.values()]).toEqual([]);
  });
});
