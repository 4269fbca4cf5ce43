// Prints the plain closing line CI reads ("N passed, N failed") after jest's own summary, and
// before it the slowest tests of the run: CI time is a budget, and file times alone do not say
// which test inside a file spends it.
const slowestShown = 25;

class SummaryReporter {
  constructor() {
    this.tests = [];
  }

  onTestFileResult(test, result) {
    const file = test.path.replace(`${test.context.config.rootDir}/`, '');
    for (const t of result.testResults) this.tests.push({ ms: t.duration ?? 0, name: `${file} › ${t.title}` });
  }

  onRunComplete(_contexts, results) {
    const slowest = this.tests.sort((a, b) => b.ms - a.ms).slice(0, slowestShown);
    if (slowest.length > 1) process.stdout.write(`\nslowest tests:\n${slowest.map((t) => `${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.name}`).join('\n')}\n`);
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
