/**
 * The Payara lab for a test file: started once in `beforeAll`, stopped in `afterAll`.
 *
 * Its ports are lab-payara.json's (DAS 16000, instances 16100-16399, HAProxy 16400-16401, the
 * never-started spare1 16500-16599) in jest worker 1, and 2600 higher in worker 2, clear of every
 * other lab band (test/support/lab-estate.ts) and of the dev server's ports. Two Payara labs at once
 * fit in memory (about 2 GiB each) but share the two cores, so each takes minutes longer to start.
 *
 * `TURNOUT_PAYARA_TEST_OFFSET` overrides the offset, whatever the worker: a second checkout can then
 * run its Payara tests beside another's without a port in common. 1300 (17300-17899) is clear of
 * both workers' lab bands, the other worker's Payara (18600-19199), the dev server (17233, 18233)
 * and the test sshd (23000-23099).
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Estate } from '../../src/model';
import { startLab, type LabHandle } from '../../src/lab/lab';
import { relocateLabEstate } from '../../src/lab/relocate-estate';

/** How long a Payara lab may take to start (the first one also prepares the domain). */
export const payaraStartTimeoutMs = 15 * 60_000;

/** The environment variable that sets the Payara test lab's port offset (see above). */
export const payaraTestOffsetEnv = 'TURNOUT_PAYARA_TEST_OFFSET';

/** lab-payara.json's highest port (spare1's port base + 99): every shifted port must stay below the ephemeral range. */
const highestPayaraPort = 16599;

/** The port offset of the Payara test lab: the env override, or this jest worker's. */
export function payaraTestOffset(env: NodeJS.ProcessEnv = process.env): number {
  const override = env[payaraTestOffsetEnv];
  if (override !== undefined && override !== '') {
    const offset = Number(override);
    // Below 32768: Linux hands ports from there up to any client's outgoing connection.
    if (!Number.isInteger(offset) || 16000 + offset < 1024 || highestPayaraPort + offset >= 32768) {
      throw new Error(`${payaraTestOffsetEnv}=${override}: give an integer that keeps the Payara lab's ports (16000-${highestPayaraPort} shifted) within 1024-32767`);
    }
    return offset;
  }
  const worker = Math.max(1, Number(env.JEST_WORKER_ID ?? '1'));
  return worker % 2 === 1 ? 0 : 2600;
}

/** lab-payara.json moved into `dir`, its ports in this jest worker's place (or `TURNOUT_PAYARA_TEST_OFFSET`'s). */
export function payaraLabEstateForTest(dir: string): Estate {
  return relocateLabEstate(payaraTestOffset(), dir, 'lab-payara.json');
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

/**
 * Where the Payara test lab lives: in memory (/dev/shm) where there is one. Each instance writes an
 * OSGi cache of about 130 MB as it starts; on the disk, three at once stall the other worker's
 * labs for seconds.
 */
function labRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/** Registers `beforeAll`/`afterAll` that start the Payara lab once for this file and stop it. */
export function usePayaraLab(): PayaraLabFixture {
  const dir = mkdtempSync(join(labRoot(), 'turnout-payara-lab-'));
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
