/**
 * Watching files that turnout rewrites (plugin-cfg.xml, loadbalancer.xml): the sequence of distinct
 * contents each one showed, polled every 10 ms, as short sha256s.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A short sha256 of some bytes, as the watchers record them. */
export const shortSha = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Records the sequence of distinct contents each named file shows until stopped. */
export function watchFiles(files: Record<string, string>): { sequences: () => Record<string, string[]>; stop: () => void } {
  const entries = Object.entries(files);
  const seen: Record<string, string[]> = Object.fromEntries(entries.map(([name]) => [name, []]));
  const timer = setInterval(() => {
    for (const [name, file] of entries) {
      const h = shortSha(readFileSync(file));
      const list = seen[name] as string[];
      if (list[list.length - 1] !== h) list.push(h);
    }
  }, 10);
  return { sequences: () => seen, stop: () => clearInterval(timer) };
}
