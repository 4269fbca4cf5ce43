// One dev server per run: the integration project's global setup starts it (and bundles the
// workflows once); unit tests never pay for it. Two workers run files side by side: each worker's
// labs take ports in a band of their own (test/support/lab-estate.ts).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 180_000,
  testSequencer: '<rootDir>/test/support/sequencer.js',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js', '<rootDir>/test/support/run-progress-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/faults/**/*.test.ts', '<rootDir>/test/production/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      // TURNOUT_PAYARA_TESTS=0 leaves out the Payara suite (real Payara Server, minutes on 2 cores)
      // for a quick local run; CI runs it.
      testPathIgnorePatterns: process.env.TURNOUT_PAYARA_TESTS === '0' ? ['/test/integration/payara\\.test\\.ts$'] : [],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
