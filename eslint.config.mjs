// Lint. The rule that matters most: workflow code is deterministic and does no I/O, so files in
// workflows/ may not import node built-ins, pino, drivers, the lab or activity implementations.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.turnout/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', AbortController: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code does no I/O: no node built-ins in workflows/.' },
            { group: ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'events', 'stream', 'util', 'worker_threads', 'timers'], message: 'Workflow code does no I/O: no node built-ins in workflows/.' },
            { group: ['pino', 'pino/*'], message: 'Log from workflows with the workflow logger, not pino.' },
            { group: ['**/drivers', '**/drivers/**', '**/lab', '**/lab/**', '**/temporal/**', '**/cli/**'], message: 'Workflows reach infrastructure only through activities.' },
            { group: ['**/activities', '**/activities/**'], message: 'Import activities as types only (import type * as activities).', allowTypeImports: true },
          ],
        },
      ],
    },
  },
);
