/**
 * What the loadbalancer.xml tests share: load through every load balancer at once, the files'
 * bytes as each load balancer holds them, and a watcher that records every distinct content each
 * file showed.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { LoadReport } from '../../src/lab/load';
import type { Estate } from '../../src/model';
import { shortSha, watchFiles } from './file-watch';
import { startLoad } from './rollout-harness';


/** Each load balancer's loadbalancer.xml path (the lab's are local). */
export function lbFiles(estate: Estate): Record<string, string> {
  return Object.fromEntries((estate.loadBalancers?.balancers ?? []).map((b) => [b.name, b.file.kind === 'local' ? b.file.path : '']));
}

/** Each load balancer's file, short sha256. */
export function lbShas(estate: Estate): Record<string, string> {
  return Object.fromEntries(Object.entries(lbFiles(estate)).map(([name, path]) => [name, shortSha(readFileSync(path))]));
}

/** Records the sequence of distinct contents each load balancer's file shows. */
export function watchLbFiles(estate: Estate): { sequences: () => Record<string, string[]>; stop: () => void } {
  return watchFiles(lbFiles(estate));
}

function sumCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Load through every load balancer, `rate` in all; `stop` sums the reports. */
export function startLbLoad(estate: Estate, rate = 50): { stop: () => Promise<LoadReport> } {
  const balancers = estate.loadBalancers?.balancers ?? [];
  const loads = balancers.map((b) => startLoad(estate, rate / balancers.length, b.listen.port));
  return {
    async stop() {
      const reports = await Promise.all(loads.map((l) => l.stop()));
      return reports.reduce((a, b) => ({
        ...a,
        requests: a.requests + b.requests,
        failed: a.failed + b.failed,
        sessions: a.sessions + b.sessions,
        lostSessions: a.lostSessions + b.lostSessions,
        lostSamples: [...a.lostSamples, ...b.lostSamples],
        versionFlips: a.versionFlips + b.versionFlips,
        failures: [...a.failures, ...b.failures],
        versions: sumCounts(a.versions, b.versions),
        newSessionsByVersion: sumCounts(a.newSessionsByVersion, b.newSessionsByVersion),
        failedByServer: sumCounts(a.failedByServer, b.failedByServer),
        lostSessionsByServer: sumCounts(a.lostSessionsByServer, b.lostSessionsByServer),
      }));
    },
  };
}

/**
 * Sets every instance's and web module's quiescing period in every load balancer's file (identical
 * bytes, temp + rename), then waits two of the load balancers' polls and half a second, so both
 * have read it before the caller goes on.
 */
export async function setQuiescingMinutes(estate: Estate, minutes: number): Promise<void> {
  const files = Object.values(lbFiles(estate));
  const first = files[0];
  if (!first) return;
  const text = readFileSync(first, 'utf8').replace(/disable-timeout-in-minutes="\d+"/g, `disable-timeout-in-minutes="${minutes}"`);
  for (const path of files) {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }
  const pollSeconds = estate.loadBalancers?.pollIntervalSeconds ?? 1;
  await new Promise((r) => setTimeout(r, (2 * pollSeconds + 0.5) * 1000));
}
