#!/usr/bin/env node
// Installs or builds what turnout needs on this machine, idempotently:
// - the Temporal CLI (dev server + Web UI): TURNOUT_TEMPORAL_BIN, PATH, .tools/bin, else `go install` v1.5.1;
// - HAProxy from Debian (apt-get as root), for the lab's IP sprayer.
'use strict';
const path = require('node:path');

const dist = (...p) => path.join(__dirname, '..', 'dist', 'src', ...p);
const log = (line) => process.stderr.write(`provision: ${line}\n`);

async function main() {
  const { ensureTemporalBinary } = require(dist('temporal', 'temporal-binary.js'));
  const { ensureHaproxy } = require(dist('lab', 'haproxy.js'));
  log(`temporal: ${(await ensureTemporalBinary({ log })).path}`);
  log(`haproxy: ${ensureHaproxy(log)}`);
}

main().catch((err) => {
  process.stderr.write(`provision: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
