// Records, as the run goes, how many test files it has and which have finished, so the replay test
// (last in the order, but with two workers not necessarily alone) can wait for every history the
// other files record. Reporters run in jest's parent process, whichever worker ran the file.
const { appendFileSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const dir = path.resolve(__dirname, '..', '..', 'test-results', 'run');

class RunProgressReporter {
  onRunStart(results) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'total'), String(results.numTotalTestSuites));
  }

  onTestFileResult(test) {
    appendFileSync(path.join(dir, 'finished'), `${test.path}\n`);
  }
}
module.exports = RunProgressReporter;
