#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
const path = require('node:path');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
try {
  require.resolve(entry);
} catch {
  process.stderr.write('turnout: not built yet. Run `npm run build` (npm ci does it for you).\n');
  process.exit(1);
}
require(entry).main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`turnout: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
