/**
 * Temp folders that go when their test file ends. Importing this module registers one file-level
 * afterAll, which runs after every describe's own (labs stop first, then their folders go);
 * TURNOUT_KEEP_TEST_FILES keeps them, to read a failed run's files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

afterAll(() => {
  if (process.env.TURNOUT_KEEP_TEST_FILES) return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `os.tmpdir()/turnout-<name>-XXXXXX`, removed after the test file that made it. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `turnout-${name}-`));
  made.push(dir);
  return dir;
}
