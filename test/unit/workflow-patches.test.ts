import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { patchIds } from '../../workflows/patches';

describe('the patches a rollout decides at its start', () => {
  it('are every patch the workflows check', () => {
    const dir = path.resolve(__dirname, '..', '..', 'workflows');
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'patches.ts').map((f) => readFileSync(path.join(dir, f), 'utf8'));
    const constants = new Map(sources.flatMap((s) => [...s.matchAll(/(\w+Patch) = '([^']+)'/g)].map((m) => [m[1]!, m[2]!] as const)));
    const checked = new Set(
      sources.flatMap((s) => [...s.matchAll(/patched\(\s*('([^']+)'|(\w+))\s*\)/g)].map((m) => m[2] ?? constants.get(m[3]!) ?? `unknown constant ${m[3]}`)),
    );
    expect([...checked].sort()).toEqual([...patchIds].sort());
  });
});
