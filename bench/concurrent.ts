/**
 * `npm run bench -- concurrent`: many rollouts at once on one worker (issue 14). For 1, 10 and 50
 * multiCellRollouts of different targets (one simulated estate each, 12 clusters of 5 servers in
 * two cells), on one in-process worker with every driver simulated:
 * - to the end, every gate approved: engine overhead per step (the wall time between one step's
 *   driver calls and the next step's, as `overhead` measures it), median and p99, and the worker's
 *   CPU (process.cpuUsage over the run: the worker runs in this process, beside the bench's client);
 * - held in their first drain (sessions that never end), then all rolled back at once: the latency
 *   from each rollback signal to the sim sprayer's routing being back as it was (the sim tells the
 *   bench at each routing change, so nothing polls), p50 and p99.
 *
 * TURNOUT_BENCH_CONCURRENCY=1,10 picks the levels.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { SimEstate } from '../src/drivers/sim';
import { generateSimEstate } from '../src/drivers/sim/sim-estate-generator';
import { sameRouting, type SprayerSnapshot } from '../src/drivers/sprayer/sprayer';
import type { RolloutStatus } from '../src/model';
import { rollbackSignal } from '../workflows/messages';
import { nowMs, type CallTimer } from './driver-timing';
import type { SimBenchEnv } from './harness';
import { machineInfo, progress, publish } from './report';
import { waitForStatus } from './rollouts';
import { approveUntilEnd, engineGaps, runSimBench, simProcedures, simRequest } from './sim-rollouts';
import { round, summarize } from './stats';

const name = 'concurrent';
const log = progress(name);
/** Issue 14's budget at 50 concurrent rollouts. */
const budgetP99Ms = 100;
/** How long one rollout may take before the bench reports it stuck and goes on. */
const limitMs = 5 * 60_000;

function levels(): number[] {
  const text = process.env.TURNOUT_BENCH_CONCURRENCY ?? '1,10,50';
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`TURNOUT_BENCH_CONCURRENCY must list positive whole numbers, got ${text}`);
  return values;
}

/** `count` estates named after `tag`, simulated; `sessionEndsPerSecond` 0 holds every drain. */
async function estates(env: SimBenchEnv, tag: string, count: number, sessionEndsPerSecond: number): Promise<SimEstate[]> {
  const sims: SimEstate[] = [];
  for (let i = 0; i < count; i++) {
    const estate = generateSimEstate({ name: `${tag}-${i}`, procedure: simProcedures.multiCell, clusters: 12, serversPerCluster: 5, frontPorts: env.frontPorts });
    sims.push(await env.world.add(estate, { sessionsPerServer: 20, sessionEndsPerSecond, clockSpeed: 100 }));
  }
  return sims;
}

function start(env: SimBenchEnv, sim: SimEstate, over: Record<string, unknown> = {}): Promise<WorkflowHandle> {
  const request = simRequest(sim.estate, simProcedures.multiCell, over);
  return env.client.workflow.start(simProcedures.multiCell, { taskQueue: env.taskQueue, workflowId: `bench-${sim.estate.name}-${Date.now()}`, args: [request] });
}

/** N rollouts to the end at once: overhead per step and the worker's CPU. */
async function toTheEnd(env: SimBenchEnv, timer: CallTimer, n: number): Promise<object> {
  const sims = await estates(env, `cc${n}-run`, n, 10);
  const cpu = process.cpuUsage();
  const started = Date.now();
  const handles = await Promise.all(sims.map((sim) => start(env, sim)));
  const gateSeen: number[][] = handles.map(() => []);
  const stuck = (err: Error) => ({ state: 'stuck', reason: err.message }) as unknown as RolloutStatus;
  const finals = await Promise.all(handles.map((h, i) => approveUntilEnd(h, gateSeen[i], 200, limitMs).catch(stuck)));
  const wallMs = Date.now() - started;
  const used = process.cpuUsage(cpu);
  // Reported, not thrown: the figures of the others still stand, and the failures say what to look at.
  const failed = finals.flatMap((f, i) => (f.state === 'succeeded' ? [] : [{ workflowId: handles[i]?.workflowId, state: f.state, reason: f.reason }]));
  const gaps = handles.flatMap((h, i) => (finals[i]?.state === 'succeeded' ? engineGaps(timer, h.workflowId, gateSeen[i] ?? []) : []));
  const overhead = summarize(gaps);
  const cpuMs = (used.user + used.system) / 1000;
  return { succeeded: n - failed.length, failed, wallMs, overheadPerStepMs: { ...overhead, p99Budget: budgetP99Ms, fitsBudget: overhead.p99 < budgetP99Ms }, workerCpu: { userMs: round(used.user / 1000), systemMs: round(used.system / 1000), coresBusy: round(cpuMs / wallMs) } };
}

/** Resolves when `sim`'s routing equals `wanted`, with the time it changed; NaN when it has not after {@link limitMs}. */
function routingBack(sim: SimEstate, wanted: SprayerSnapshot): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve(Number.NaN);
    }, limitMs);
    const stop = sim.watchRouting(() => {
      const now = { backend: sim.sprayer.backend, servers: [...sim.sprayer.servers.values()], affinity: sim.sprayer.affinity };
      if (!sameRouting(now, wanted)) return;
      stop();
      clearTimeout(timer);
      resolve(nowMs());
    });
  });
}

/** N rollouts held in their first drain, then every one rolled back at once: signal -> routing back. */
async function rollbacks(env: SimBenchEnv, n: number): Promise<object> {
  const sims = await estates(env, `cc${n}-rb`, n, 0);
  const initial = sims.map((sim): SprayerSnapshot => ({ backend: sim.sprayer.backend, servers: [...sim.sprayer.servers.values()].map((s) => ({ ...s })), affinity: { ...sim.sprayer.affinity } }));
  const handles = await Promise.all(sims.map((sim) => start(env, sim, { approvals: { phases: [] } })));
  // A rollout that never reaches its drain is not rolled back: its end is reported below.
  const held = await Promise.all(handles.map((h) => waitForStatus(h, (s) => s.currentStep === 'cell01.drain', 'cell01.drain', 200).then(() => true, () => false)));
  const samples = await Promise.all(
    handles.map(async (h, i) => {
      if (!held[i]) return Number.NaN;
      const back = routingBack(sims[i] as SimEstate, initial[i] as SprayerSnapshot);
      const sent = nowMs();
      await h.signal(rollbackSignal, { by: 'bench', reason: 'concurrent benchmark' });
      return (await back) - sent;
    }),
  );
  const ends = await Promise.all(handles.map((h) => approveUntilEnd(h, [], 200, limitMs).then((f) => f.state, (err: Error) => err.message)));
  const notRolledBack = ends.filter((state) => state !== 'rolled-back');
  return { rolledBackAtOnce: held.filter(Boolean).length, signalToRoutingBackMs: summarize(samples.filter((ms) => !Number.isNaN(ms))), routingNotBack: samples.filter((ms) => Number.isNaN(ms)).length, notRolledBack };
}

async function run(env: SimBenchEnv, timer: CallTimer): Promise<void> {
  const results: object[] = [];
  for (const n of levels()) {
    const run = await toTheEnd(env, timer, n);
    log(`${n} at once: ${JSON.stringify(run)}`);
    const rollback = await rollbacks(env, n);
    log(`${n} rolled back at once: ${JSON.stringify(rollback)}`);
    results.push({ concurrent: n, ...run, rollback });
  }
  publish(name, {
    benchmark: name,
    measures: 'multiCellRollouts of different simulated estates (12 clusters x 5 servers, 2 cells) at once on one in-process worker: engine gap between steps (ms), worker CPU over the run, and rollback signal -> sim sprayer routing back as before (ms), all rolled back at once from their first drain',
    budget: { at: 50, overheadP99BelowMs: budgetP99Ms },
    levels: results,
    machine: machineInfo(),
    at: new Date().toISOString(),
  });
}

runSimBench(log, run);
