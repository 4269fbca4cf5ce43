#!/usr/bin/env node
// `npm run bench -- <name>`: builds when a TypeScript source is newer than dist/bench/<name>.js,
// then runs it. stdout carries only the benchmark's JSON; the build's output goes to stderr.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const sourceDirs = ['src', 'workflows', 'activities', 'bench'];
const say = (line) => process.stderr.write(`bench: ${line}\n`);

/** Benchmarks are the entry files of bench/: those whose header names their own `npm run bench -- <name>`. */
function benchmarks() {
  const dir = path.join(root, 'bench');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => readFileSync(path.join(dir, f), 'utf8').slice(0, 400).includes(`\`npm run bench -- ${f.slice(0, -3)}\``))
    .map((f) => f.slice(0, -3));
}

/** The newest modification time of any .ts file under `dir`. */
function newestTs(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function needsBuild(target) {
  if (!existsSync(target)) return true;
  const built = statSync(target).mtimeMs;
  return sourceDirs.some((d) => newestTs(path.join(root, d)) > built);
}

function build(target) {
  say('building (npm run build)');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status === 0) return;
  // tsc still emits when it reports type errors (often in files being edited by someone else).
  if (!existsSync(target)) process.exit(r.status ?? 1);
  say(`the build reported errors (exit ${r.status}); running what it emitted`);
}

function main() {
  const [name, ...rest] = process.argv.slice(2);
  const known = benchmarks();
  if (!name || !known.includes(name)) {
    say(`usage: npm run bench -- <${known.join('|')}>${name ? ` (no benchmark "${name}")` : ''}`);
    process.exit(2);
  }
  const target = path.join(root, 'dist', 'bench', `${name}.js`);
  if (needsBuild(target)) build(target);
  const r = spawnSync(process.execPath, [target, ...rest], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

main();
