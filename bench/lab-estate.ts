/**
 * The multi-cell lab estate for benchmarks: estates/lab-multi-cell.json with every port shifted and
 * every path in a bench folder, so a bench never collides with a developer's lab or a test's.
 */
import type { Estate } from '../src/model/estate';
import { relocateLabEstate } from '../src/lab/relocate-estate';

/**
 * The default shift. Test files use offsets 10000-16500 and 20000; 22500 puts the bench lab at
 * 30580-32316, clear of them and below Linux's ephemeral range (32768+), where a client socket
 * could take a listening port first.
 */
export const defaultBenchOffset = 22500;

/** Settings of the bench lab. */
export interface BenchLabSettings {
  offset: number;
  /** The lab's folder (sockets, plugin-cfg files, logs). */
  dir: string;
  /** How long an idle session lives on a lab app server. */
  sessionIdleSeconds: number;
  file?: string;
}

/** The lab estate (default lab-multi-cell.json) with ports shifted by `offset` and paths inside `dir`. */
export function benchLabEstate(settings: BenchLabSettings): Estate {
  const estate = relocateLabEstate(settings.offset, settings.dir, settings.file ?? 'lab-multi-cell.json');
  return { ...estate, lab: { ...estate.lab!, sessionIdleSeconds: settings.sessionIdleSeconds } };
}
