/**
 * The run's check on temp folders: every `os.tmpdir()/turnout-*` folder made during the run should
 * be gone at its end (tests use `tempDir`, helpers remove their own). Global setup lists what was
 * there before; global teardown names what the run left. It reports and does not fail: other runs
 * on the same machine make such folders too.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The `turnout-*` entries of the temp dir now. */
export function turnoutTempDirs(): string[] {
  return readdirSync(os.tmpdir()).filter((name) => name.startsWith('turnout-'));
}

/** Prints the folders that appeared since `before` and are still there (none: nothing printed). */
export function reportTempLeftovers(before: string[]): void {
  const known = new Set(before);
  const left = turnoutTempDirs().filter((name) => !known.has(name));
  if (!left.length) return;
  process.stderr.write(`[temp] ${left.length} turnout-* folder(s) in ${os.tmpdir()} appeared during the run and are still there (this run's, or another's on this machine):\n${left.map((n) => `  ${path.join(os.tmpdir(), n)}`).join('\n')}\n`);
}
