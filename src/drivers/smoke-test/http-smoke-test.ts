/**
 * The smoke test: a light test through the test virtual host (seed 002: "a final quality assurance
 * test with light load"). Each request is a new user (no cookie) and must answer 200 with the
 * expected version; a server still starting gets until the timeout to answer properly.
 */
import http from 'node:http';

/** A smoke test that saw something other than the new version answer. */
export class SmokeTestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmokeTestError';
  }
}

/** What the smoke test saw. */
export interface SmokeTestReport {
  requests: number;
  versions: Record<string, number>;
}

interface Answer {
  status: number;
  version: string | undefined;
}

function get(url: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.headers['x-turnout-version']?.toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function oneRequest(url: string, expectVersion: string, deadline: number): Promise<string> {
  let last = '';
  for (;;) {
    try {
      const a = await get(url, 5000);
      if (a.status === 200 && a.version === expectVersion) return a.version;
      last = `HTTP ${a.status}, version ${a.version ?? 'none'}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) throw new SmokeTestError(`${url}: expected ${expectVersion}, got ${last}`);
    await sleep(250);
  }
}

/** Sends `requests` requests spread over `urls`; throws SmokeTestError when one never answers right. */
export async function runSmokeTest(urls: readonly string[], expectVersion: string, requests: number, timeoutSeconds: number): Promise<SmokeTestReport> {
  if (urls.length === 0) throw new SmokeTestError('no test VIP to send the smoke test to');
  const deadline = Date.now() + timeoutSeconds * 1000;
  const versions: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const v = await oneRequest(urls[i % urls.length] as string, expectVersion, deadline);
    versions[v] = (versions[v] ?? 0) + 1;
  }
  return { requests, versions };
}
