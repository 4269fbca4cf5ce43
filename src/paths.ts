/**
 * Where turnout's own files are. Code runs both from TypeScript sources (tests) and from dist/
 * (the installed bin), so paths are found by walking up to the package root, never by counting `..`.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let root: string | undefined;

/** The folder holding turnout's package.json. */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'turnout') return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`cannot find turnout's package.json above ${__dirname}`);
  }
}

/** turnout's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The compiled entry point of one of turnout's own modules, for spawning it as a process. */
export function distEntry(...segments: string[]): string {
  return path.join(packageRoot(), 'dist', ...segments);
}

/**
 * turnout's cache on this machine, shared by every checkout: `TURNOUT_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/turnout`, else `~/.cache/turnout`. What is slow to make and the same for every
 * clone (a prepared Payara domain) lives here, so a fresh clone on a warm machine does not make it again.
 */
export function machineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TURNOUT_CACHE_DIR) return path.resolve(env.TURNOUT_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'turnout');
}
