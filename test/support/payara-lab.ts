/**
 * The Payara lab for a test file: started once in `beforeAll`, stopped in `afterAll`.
 *
 * Its ports are lab-payara.json's (DAS 16000, instances 16100-16399, HAProxy 16400) in jest worker
 * 1, and 2600 higher in worker 2, clear of every other lab band (test/support/lab-estate.ts) and of
 * the dev server's ports. Two Payara files at once fit in memory (about 2 GiB each) but share the two
 * cores, so each takes minutes longer to start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Estate } from '../../src/model';
import { startLab, type LabHandle } from '../../src/lab/lab';
import { relocateLabEstate } from '../../src/lab/relocate-estate';

/** How long a Payara lab may take to start (the first one also prepares the domain). */
export const payaraStartTimeoutMs = 15 * 60_000;

/** lab-payara.json moved into `dir`, its ports in this jest worker's place. */
export function payaraLabEstateForTest(dir: string): Estate {
  const worker = Math.max(1, Number(process.env.JEST_WORKER_ID ?? '1'));
  return relocateLabEstate(worker % 2 === 1 ? 0 : 2600, dir, 'lab-payara.json');
}

/** A Payara lab shared by every test of the calling file. */
export interface PayaraLabFixture {
  /** The running lab; throws before `beforeAll` finished. */
  readonly lab: LabHandle;
  readonly estate: Estate;
  readonly dir: string;
  /** Start-up progress lines, for a failing test's message. */
  readonly log: string[];
}

/** Registers `beforeAll`/`afterAll` that start the Payara lab once for this file and stop it. */
export function usePayaraLab(): PayaraLabFixture {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-payara-lab-'));
  const estate = payaraLabEstateForTest(dir);
  const log: string[] = [];
  let handle: LabHandle | undefined;
  beforeAll(async () => {
    handle = await startLab(estate, { baseDir: dir, log: (line) => log.push(`${new Date().toISOString()} ${line}`) });
  }, payaraStartTimeoutMs);
  afterAll(async () => {
    await handle?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
  return {
    get lab(): LabHandle {
      if (!handle) throw new Error(`the Payara lab did not start:\n${log.join('\n')}`);
      return handle;
    },
    estate,
    dir,
    log,
  };
}
