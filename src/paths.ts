/**
 * Where turnout's own files are. Code runs both from TypeScript sources (tests) and from dist/
 * (the installed bin), so paths are found by walking up to the package root, never by counting `..`.
 */
import { existsSync, readFileSync } from 'node:fs';
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
