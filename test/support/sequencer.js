// Runs the e2e (browser) tests after the other integration tests, and the replay test last, after the
// tests that record the histories it replays; others keep jest's order.
const Sequencer = require('@jest/test-sequencer').default;

class ReplayLastSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (t) => (/replay\.test\.ts$/.test(t.path) ? 2 : /[\\/]test[\\/]e2e[\\/]/.test(t.path) ? 1 : 0);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
module.exports = ReplayLastSequencer;
