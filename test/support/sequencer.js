// Runs the Payara file first among the integration files: it is the longest (one real Payara domain
// for every Payara test, minutes on 2 cores), so starting it first lets the other worker's files
// overlap with it instead of leaving it alone at the end. The e2e (browser) tests run after the
// other integration tests, and the replay test last, after the tests that record the histories it
// replays; others keep jest's order.
const Sequencer = require('@jest/test-sequencer').default;

class ReplayLastSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (t) => (/[\\/]test[\\/]integration[\\/]payara\.test\.ts$/.test(t.path) ? -1 : /replay\.test\.ts$/.test(t.path) ? 2 : /[\\/]test[\\/]e2e[\\/]/.test(t.path) ? 1 : 0);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
module.exports = ReplayLastSequencer;
