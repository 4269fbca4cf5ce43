#!/usr/bin/env node
// Installs or builds what turnout needs on this machine, idempotently:
// - the Temporal CLI (dev server + Web UI): TURNOUT_TEMPORAL_BIN, PATH, .tools/bin, else `go install` v1.5.1;
// - HAProxy from Debian (apt-get as root), for the lab's IP sprayer;
// - OpenSSH server and client (apt-get as root), for the SSH plugin-cfg store and its tests;
// - Chromium from Debian (apt-get as root), for the e2e tests that drive the Temporal Web UI;
// - Payara Server 6 under the machine cache, ~/.cache/turnout/payara (its zip through Maven), for the GlassFish-family lab;
// - PostgreSQL from Debian (apt-get as root), and the Temporal server, its SQL tool and the UI server built
//   with Go into the machine cache (~/.cache/turnout/temporal-stack), for the production stack's tests.
'use strict';
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const { existsSync } = fs;
const path = require('node:path');

const dist = (...p) => path.join(__dirname, '..', 'dist', 'src', ...p);
const log = (line) => process.stderr.write(`provision: ${line}\n`);

// The SSH plugin-cfg store runs ssh/scp; its tests start their own sshd on loopback.
function ensureOpenssh() {
  const dirs = [...(process.env.PATH || '').split(path.delimiter).filter(Boolean), '/usr/sbin'];
  const has = (bin) => dirs.some((d) => fs.existsSync(path.join(d, bin)));
  const missing = ['sshd', 'ssh', 'scp'].filter((bin) => !has(bin));
  if (missing.length === 0) return 'present';
  if (process.getuid && process.getuid() !== 0) throw new Error(`${missing.join(', ')} missing; install them with \`sudo apt-get install -y openssh-server openssh-client\``);
  log(`${missing.join(', ')} missing; installing openssh-server and openssh-client with apt-get`);
  execSync('apt-get update && apt-get install -y --no-install-recommends openssh-server openssh-client', { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return 'installed';
}

// The e2e tests launch this binary through playwright-core (test/support/temporal-ui.ts).
const chromiumPath = '/usr/bin/chromium';

function ensureChromium() {
  if (existsSync(chromiumPath)) return chromiumPath;
  if (process.getuid?.() !== 0) throw new Error(`${chromiumPath} is missing: install it with \`sudo apt-get update && sudo apt-get install -y chromium\``);
  log('chromium not found; installing it with apt-get');
  execSync('apt-get update && apt-get install -y chromium', { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync(chromiumPath)) throw new Error(`apt-get ran but ${chromiumPath} is still missing`);
  return chromiumPath;
}

// The production stack runs a private cluster from these binaries; the system's cluster is never used.
function ensurePostgres() {
  const { findPgBin } = require(dist('stack', 'postgres-cluster.js'));
  const found = findPgBin();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('PostgreSQL is missing: install it with `sudo apt-get update && sudo apt-get install -y postgresql`');
  log('PostgreSQL not found; installing postgresql with apt-get');
  execSync('apt-get update && apt-get install -y --no-install-recommends postgresql', { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const bin = findPgBin();
  if (!bin) throw new Error('apt-get ran but initdb and pg_ctl are still missing under /usr/lib/postgresql');
  return bin;
}

async function main() {
  const { ensureTemporalBinary } = require(dist('temporal', 'temporal-binary.js'));
  const { ensureHaproxy } = require(dist('lab', 'haproxy.js'));
  // Seconds before minutes: a missing HAProxy is said before the Temporal CLI build (minutes on a cold machine).
  log(`haproxy: ${ensureHaproxy(log)}`);
  log(`temporal: ${(await ensureTemporalBinary({ log })).path}`);
  log(`openssh: ${ensureOpenssh()}`);
  log(`chromium: ${ensureChromium()}`);
  const { ensurePayara } = require(dist('lab', 'payara', 'payara-home.js'));
  log(`payara: ${ensurePayara(log)}`);
  log(`postgresql: ${ensurePostgres()}`);
  const { ensureStackBinaries } = require(dist('stack', 'stack-binaries.js'));
  const stack = await ensureStackBinaries({ log });
  log(`temporal server: ${stack.server}; ui server: ${stack.uiServer}`);
}

main().catch((err) => {
  process.stderr.write(`provision: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
