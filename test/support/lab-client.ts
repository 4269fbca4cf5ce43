/** Clients of a running lab in tests: a simulated user of the lab app, and the dmgr's POST commands. */
import type { LabAppResponse } from '../../src/lab/dmgr-api';
import { requestJson } from '../../src/lab/process-utils';

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
