/**
 * `npm run bench -- edition`: the edition rollout's wall time with the seed's advice, a fixed
 * drainage interval of the session timeout plus one minute (seed 003 "set the drainage interval to
 * exceed the application session timeout"; seed 004's quiesce advice is the same), against
 * turnout's session-aware drain (interval 0: each member resets once its sessions have ended).
 *
 * Both runs roll the same lab (lab-edition.json: six members behind HAProxy) in groups of two with
 * a soft reset, under the same session workload: sessions of a known length (a fixed number of
 * requests at a fixed think time, then idle until the session timeout), at 50 req/s for the whole
 * of each run. Each run must end with zero failed requests, lost sessions and version flips. The
 * goal: turnout at least 5 times faster.
 */
import { performance } from 'node:perf_hooks';
import type { Estate } from '../src/model';
import { runLoad, type LoadReport } from '../src/lab/load';
import { withBenchEnv, type BenchEnv } from './harness';
import { machineInfo, progress, publish } from './report';
import { benchRequest, expectEnd, waitForTargetFree } from './rollouts';
import { round } from './stats';

const name = 'edition';
const log = progress(name);
/** The lab's session timeout (idle seconds), which the fixed interval must exceed. */
const sessionTimeoutSeconds = 3;
const requestsPerSession = 5;
const thinkTimeMs = 500;
const rate = 50;
const goal = 5;

interface Run {
  label: string;
  drainageIntervalSeconds: number;
  fullDrainageInterval: boolean;
  seconds: number;
  load: Pick<LoadReport, 'requests' | 'failed' | 'sessions' | 'lostSessions' | 'versionFlips' | 'mixedEditionSeconds'>;
  estimate?: { seedSeconds: number; turnoutSeconds: number };
}

function startLoad(estate: Estate): { stop: () => Promise<LoadReport> } {
  const abort = new AbortController();
  const done = runLoad({
    target: `http://127.0.0.1:${estate.sprayer?.listen.port}${estate.lab?.contextRoot ?? '/user'}/hit`,
    rate,
    durationSeconds: 3600,
    requestsPerSession: [requestsPerSession, requestsPerSession],
    logoutRatio: 0,
    thinkTimeMs,
    signal: abort.signal,
  });
  return { stop: () => (abort.abort(), done) };
}

async function rollOnce(env: BenchEnv, label: string, from: string, to: string, edition: { drainageIntervalSeconds: number; fullDrainageInterval: boolean }): Promise<Run> {
  await waitForTargetFree(env.client, 'userHitCount', env.estate);
  const request = benchRequest(env.estate, {
    procedure: 'editionRollout',
    fromVersion: from,
    toVersion: to,
    artifact: `lab:${to}`,
    approvals: { phases: [] },
    edition: { rolloutType: 'grouped', groupSize: 2, reset: 'soft', routerQuiesceSeconds: 60, serverQuiesceSeconds: 60, ...edition },
  });
  const load = startLoad(env.estate);
  const started = performance.now();
  const handle = await env.client.workflow.start('editionRollout', { taskQueue: env.taskQueue, workflowId: `bench-edition-${label}-${Date.now()}`, args: [request] });
  const final = await expectEnd(handle, 'succeeded');
  const seconds = (performance.now() - started) / 1000;
  const report = await load.stop();
  const figures = { requests: report.requests, failed: report.failed, sessions: report.sessions, lostSessions: report.lostSessions, versionFlips: report.versionFlips, mixedEditionSeconds: report.mixedEditionSeconds };
  log(`${label}: ${round(seconds, 1)} s, load ${JSON.stringify(figures)}`);
  if (report.failed + report.lostSessions + report.versionFlips > 0) throw new Error(`${label}: the load saw losses: ${JSON.stringify(figures)}`);
  const d = final.duration;
  return { label, ...edition, seconds: round(seconds, 1), load: figures, ...(d ? { estimate: { seedSeconds: d.seedEstimateSeconds, turnoutSeconds: d.turnoutEstimateSeconds } } : {}) };
}

async function run(env: BenchEnv): Promise<void> {
  const fixedSeconds = sessionTimeoutSeconds + 60;
  log(`sessions: ${requestsPerSession} requests ${thinkTimeMs} ms apart, then idle for the ${sessionTimeoutSeconds}s session timeout; fixed interval ${fixedSeconds}s`);
  const fixed = await rollOnce(env, 'fixed-interval', '1.0', '2.0', { drainageIntervalSeconds: fixedSeconds, fullDrainageInterval: true });
  const aware = await rollOnce(env, 'session-aware', '2.0', '3.0', { drainageIntervalSeconds: 0, fullDrainageInterval: false });
  const ratio = round(fixed.seconds / aware.seconds, 2);
  publish(name, {
    benchmark: name,
    workload: { rate, requestsPerSession, thinkTimeMs, sessionTimeoutSeconds, members: 6, groupSize: 2, reset: 'soft' },
    runs: [fixed, aware],
    ratio,
    goal: `at least ${goal}x`,
    met: ratio >= goal,
    machine: machineInfo(),
  });
}

void withBenchEnv({ sessionIdleSeconds: sessionTimeoutSeconds, labFile: 'lab-edition.json', log }, run);
