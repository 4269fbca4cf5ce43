#!/usr/bin/env node
// `npm test`: build, provision what the tests need (the Temporal CLI, HAProxy), then run jest once
// for every project. One dev server serves the whole run (test/support/global-setup.ts).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('npm', ['run', '--silent', 'build']);
run(process.execPath, [path.join(__dirname, 'provision.js'), '--tests']);
// Two workers, one per core: every file's labs take ports in their worker's own band
// (test/support/lab-estate.ts), and all share the one dev server.
run(process.execPath, [require.resolve('jest/bin/jest'), '--maxWorkers=2', ...process.argv.slice(2)]);
