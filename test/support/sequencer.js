// Orders the test files longest first, so that the two workers finish together: a long file that
// starts last leaves the other worker idle for most of it. The Payara file, the longest (one real
// Payara domain for every Payara test, minutes on 2 cores), always starts first. The replay test
// replays the histories the other files record, as they come, and ends once every other file has
// finished: it starts where the files still to come take about as long as its own replaying, so
// that the other worker runs them meanwhile and only the last few histories are left at the end.
//
// How long a file takes comes from jest's cache of the last run on this machine when it has one;
// a clean clone (CI) has none, so the figures below, from CI (two workers side by side, 2 cores),
// stand in. A file in neither is guessed: an integration file of a new suite as a long one (it then
// starts early, where a short file costs nothing), any other integration file as a short one.
const Sequencer = require('@jest/test-sequencer').default;
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

/** Seconds per file in CI. */
const ciSeconds = {
  'test/integration/payara.test.ts': 426,
  'test/integration/scale-history.test.ts': 15,
  'test/integration/rollback-trust.test.ts': 159,
  'test/integration/gates.test.ts': 153,
  'test/integration/windows.test.ts': 133,
  'test/integration/cli-truth.test.ts': 129,
  'test/integration/single-cell.test.ts': 111,
  'test/integration/edition.test.ts': 105,
  'test/integration/multi-cell.test.ts': 100,
  'test/integration/unknown-and-drift.test.ts': 90,
  'test/integration/message-fuzz.test.ts': 88,
  'test/e2e/temporal-ui.test.ts': 72,
  'test/integration/edition-faults.test.ts': 70,
  'test/integration/lb-operations.test.ts': 62,
  'test/integration/multi-cluster.test.ts': 57,
  'test/integration/multi-cluster-crash.test.ts': 46,
  'test/integration/cockpit-cli.test.ts': 42,
  'test/integration/plugin-cfg-store.test.ts': 33,
  'test/integration/loadbalancer-xml-store.test.ts': 32,
  'test/integration/edition-crash.test.ts': 30,
  // The production and fault suites, from CI at 82d4f1f.
  'test/production/production-stack.test.ts': 80,
  'test/faults/dmgr-errors.test.ts': 73,
  'test/faults/http-server-unreachable.test.ts': 72,
  'test/faults/foreign-write.test.ts': 61,
  'test/faults/app-server-killed.test.ts': 24,
};
/** A new suite's file, until CI has timed it. */
const newSuiteSeconds = 120;
/** Any other integration file (the rest take under 26 s in CI). */
const otherIntegrationSeconds = 15;
/** A unit test file (49 of them take 70 s in all, most 1 or 2 s). */
const unitSeconds = 1.5;
/** What the replay test does beside the other worker: replaying about 75 histories (33 s alone). */
const replayWorkSeconds = 40;

const isPayara = (p) => /[\\/]test[\\/]integration[\\/]payara\.test\.ts$/.test(p);
const isReplay = (p) => /[\\/]test[\\/]integration[\\/]replay\.test\.ts$/.test(p);

class LongestFirstSequencer extends Sequencer {
  /** Expected seconds of one test file. */
  expectedSeconds(test) {
    const cached = this.time(test);
    if (cached != null && cached > 0) return cached / 1000;
    const rel = path.relative(root, test.path).split(path.sep).join('/');
    if (ciSeconds[rel] !== undefined) return ciSeconds[rel];
    if (/^test\/(faults|production)\//.test(rel)) return newSuiteSeconds;
    if (/^test\/(integration|e2e)\//.test(rel)) return otherIntegrationSeconds;
    return unitSeconds;
  }

  sort(tests) {
    const seconds = new Map(tests.map((t) => [t, this.expectedSeconds(t)]));
    const sorted = tests
      .filter((t) => !isReplay(t.path))
      .sort((a, b) => Number(isPayara(b.path)) - Number(isPayara(a.path)) || seconds.get(b) - seconds.get(a) || (a.path < b.path ? -1 : 1));
    const replay = tests.filter((t) => isReplay(t.path));
    // The replay test goes where what follows it adds up to its own work.
    let at = sorted.length;
    for (let after = 0; at > 0 && after < replayWorkSeconds; ) after += seconds.get(sorted[--at]);
    return [...sorted.slice(0, at), ...replay, ...sorted.slice(at)];
  }
}
module.exports = LongestFirstSequencer;
