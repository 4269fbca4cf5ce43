/** A running lab in tests: one per describe block, a simulated user of the lab app, and the dmgr's POST commands. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHaproxySprayer } from '../../src/drivers/sprayer/haproxy-sprayer';
import type { SprayerDriver } from '../../src/drivers/sprayer/sprayer';
import type { LabAppResponse } from '../../src/lab/dmgr-api';
import { startLab, type LabHandle } from '../../src/lab/lab';
import { requestJson } from '../../src/lab/process-utils';
import type { Estate } from '../../src/model/estate';
import { labEstateForTest } from './lab-estate';

/** POSTs to a lab endpoint (the dmgr's commands) and resolves to the answer; throws unless it is 200. */
export async function post<T>(url: string, body?: unknown): Promise<T> {
  const res = await requestJson<T>(url, 'POST', body);
  if (res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A user who keeps the session cookie the app sets and sends it with every hit. */
export class User {
  cookie: string | undefined;
  first: LabAppResponse | undefined;

  constructor(private readonly url: string) {}

  async hit(): Promise<LabAppResponse & { status: number }> {
    const res = await fetch(this.url, { headers: this.cookie ? { cookie: this.cookie } : {} });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const body = (await res.json()) as LabAppResponse;
    this.first ??= body;
    return { ...body, status: res.status };
  }
}

/** A lab one describe block runs against; `lab` and `sprayer` are set once its `beforeAll` has run. */
export interface SuiteLab {
  estate: Estate;
  lab: LabHandle;
  sprayer: SprayerDriver;
}

/**
 * Starts the lab of the shipped estate `file` (ports in this worker's band, files in a temporary
 * folder) before the enclosing describe block's tests, and stops it and removes the folder after.
 */
export function labForSuite(offset: number, file?: string): SuiteLab {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-lab-'));
  const suite = { estate: labEstateForTest(offset, dir, file) } as SuiteLab;
  beforeAll(async () => {
    suite.lab = await startLab(suite.estate);
    suite.sprayer = createHaproxySprayer(suite.estate);
  });
  afterAll(async () => {
    await suite.lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return suite;
}
