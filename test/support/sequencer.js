// Runs the replay test after the tests that record the histories it replays; others keep jest's order.
const Sequencer = require('@jest/test-sequencer').default;

class ReplayLastSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const last = (t) => (/replay\.test\.ts$/.test(t.path) ? 1 : 0);
    return [...sorted].sort((a, b) => last(a) - last(b));
  }
}
module.exports = ReplayLastSequencer;
