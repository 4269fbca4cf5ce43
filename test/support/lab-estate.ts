/**
 * The lab estate for tests: a shipped estate with every port shifted and every path inside a test
 * folder.
 *
 * Integration files run in two jest workers side by side, so the offset a file asks for does not
 * place its ports by itself: it picks a slot in its worker's band of offsets, and the two bands never
 * share a port. Consecutive labs of one file (offsets 500 apart) land in different slots, so a lab
 * never reuses ports a moment-old lab left in TIME-WAIT. The bands keep clear of the dev server's
 * preferred ports (17233, 18233), the test sshd's (23000-23099), the privileged ports and the
 * ephemeral range (32768 and up). Unit tests get the offset they ask for: they bind nothing.
 */
import type { Estate } from '../../src/model';
import { relocateLabEstate } from '../../src/lab/relocate-estate';

const bands: readonly (readonly number[])[] = [
  [-6000, -4000, -2000, 2000, 4000, 6000],
  [11000, 13000, 16000, 18000, 20000, 22000],
];

function inIntegrationFile(): boolean {
  const file = typeof expect === 'function' ? (expect.getState().testPath ?? '') : '';
  return /[\\/]test[\\/](integration|faults|production|e2e)[\\/]/.test(file);
}

/** The offset a lab of this worker really uses for the `requested` one. */
export function laneOffset(requested: number): number {
  if (!inIntegrationFile()) return requested;
  const worker = Math.max(1, Number(process.env.JEST_WORKER_ID ?? '1'));
  const band = bands[(worker - 1) % bands.length] as readonly number[];
  const slot = ((Math.floor(requested / 500) % band.length) + band.length) % band.length;
  return band[slot] as number;
}

/** The shipped estate `file`, its ports in this worker's band, its paths inside `dir`. */
export function labEstateForTest(offset: number, dir: string, file?: string): Estate {
  return relocateLabEstate(laneOffset(offset), dir, file);
}
