/**
 * `npm run bench -- scale`: what a rollout costs as the estate grows (issue 14). multiCellRollout
 * and singleCellRollout on simulated estates of 60, 600 and 2,000 servers (clusters of 5 below 600
 * servers, of 50 from 600; cells of 10 clusters), each to the end with every gate approved.
 *
 * Per run: history events and bytes, the largest payload (and where it is), the worker's peak RSS
 * (the worker runs in this process), `turnout plan` time (the CLI on the generated files, wall
 * clock, and the planner alone in process), and engine overhead per step (the wall time between one
 * step's driver calls and the next step's, as `overhead` measures it). Each figure is printed with
 * whether it fits issue 14's budget, which is set for 2,000 servers.
 *
 * TURNOUT_BENCH_SIZES=60,600 (or clusters x servers, such as 40x50) and
 * TURNOUT_BENCH_PROCEDURES=multiCellRollout pick what runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSimEstate } from '../src/drivers/sim/sim-estate-generator';
import { rolloutRequestSchema } from '../src/model';
import { packageRoot } from '../src/paths';
import { planRollout } from '../src/planning';
import type { CallTimer } from './driver-timing';
import type { SimBenchEnv } from './harness';
import { machineInfo, progress, publish, save } from './report';
import { approveUntilEnd, engineGaps, runSimBench, sampleRss, simProcedures, simRequest, weighHistory, type SimProcedure } from './sim-rollouts';
import { round, summarize } from './stats';
import { scaleBudget } from './budget';

const name = 'scale';
const log = progress(name);


/** Drains end in ~20 ms of wall time: 20 sessions a server, 10 ending a second, the clock 100 times fast. */
const simSettings = { sessionsPerServer: 20, sessionEndsPerSecond: 10, clockSpeed: 100 } as const;

/** One estate size: `clusters × serversPerCluster` servers. */
interface Size {
  servers: number;
  clusters: number;
  serversPerCluster: number;
}

function parseSize(text: string): Size {
  const shaped = /^(\d+)x(\d+)$/.exec(text.trim());
  if (shaped) return { clusters: Number(shaped[1]), serversPerCluster: Number(shaped[2]), servers: Number(shaped[1]) * Number(shaped[2]) };
  const servers = Number(text);
  const perCluster = servers >= 600 ? 50 : 5;
  if (!Number.isInteger(servers) || servers % perCluster !== 0 || servers / perCluster < 11) throw new Error(`TURNOUT_BENCH_SIZES: ${text} is not a size (a multiple of ${perCluster}, 11 clusters or more, or CxS)`);
  return { servers, clusters: servers / perCluster, serversPerCluster: perCluster };
}

function sizes(): Size[] {
  return (process.env.TURNOUT_BENCH_SIZES ?? '60,600,2000').split(',').map(parseSize);
}

function procedures(): SimProcedure[] {
  const known = Object.values(simProcedures) as string[];
  const wanted = (process.env.TURNOUT_BENCH_PROCEDURES ?? known.join(',')).split(',').map((p) => p.trim());
  const unknown = wanted.filter((p) => !known.includes(p));
  if (unknown.length) throw new Error(`TURNOUT_BENCH_PROCEDURES: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return wanted as SimProcedure[];
}

/** `turnout plan` on the generated files (wall clock of the CLI process), and the planner alone, median of 5. */
function timePlan(dir: string, estate: ReturnType<typeof generateSimEstate>, request: Record<string, unknown>, procedure: SimProcedure): { cliMs: number; cliExit: number | null; plannerMs: number; steps: number } {
  const estates = path.join(dir, 'estates');
  mkdirSync(estates, { recursive: true });
  writeFileSync(path.join(estates, `${estate.name}.json`), JSON.stringify(estate));
  const file = path.join(dir, `${estate.name}.request.json`);
  writeFileSync(file, JSON.stringify({ ...request, estate: estate.name }));
  const started = performance.now();
  const cli = spawnSync(process.execPath, [path.join(packageRoot(), 'bin', 'turnout.js'), 'plan', file, '--json'], { env: { ...process.env, TURNOUT_ESTATES: estates }, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const cliMs = performance.now() - started;
  if (cli.status !== 0) log(`turnout plan exited ${cli.status}: ${cli.stderr.slice(0, 500)}`);
  const parsed = rolloutRequestSchema.parse({ ...request, estate });
  const times: number[] = [];
  let steps = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    steps = planRollout(procedure, parsed, estate).steps.length;
    times.push(performance.now() - t0);
  }
  return { cliMs: round(cliMs), cliExit: cli.status, plannerMs: summarize(times).p50, steps };
}

/** A figure beside its budget. */
function judged(value: number, limit: number, below = false): { value: number; limit: number; fits: boolean } {
  return { value, limit, fits: below ? value < limit : value <= limit };
}


async function oneRun(env: SimBenchEnv, timer: CallTimer, dir: string, size: Size, procedure: SimProcedure): Promise<object> {
  const estate = generateSimEstate({ name: `scale-${procedure === simProcedures.multiCell ? 'mc' : 'sc'}-${size.servers}`, procedure, clusters: size.clusters, serversPerCluster: size.serversPerCluster, frontPorts: env.frontPorts });
  await env.world.add(estate, simSettings);
  const request = simRequest(estate, procedure);
  const plan = timePlan(dir, estate, request, procedure);
  const rss = sampleRss();
  const started = Date.now();
  const handle = await env.client.workflow.start(procedure, { taskQueue: env.taskQueue, workflowId: `bench-scale-${estate.name}-${started}`, args: [request] });
  const gateSeen: number[] = [];
  const final = await approveUntilEnd(handle, gateSeen);
  const wallMs = Date.now() - started;
  const peakRssMb = rss.stop();
  if (final.state !== 'succeeded') throw new Error(`${handle.workflowId} ended ${final.state}: ${final.reason ?? ''}`);
  const history = await weighHistory(env.client, handle.workflowId);
  const gaps = summarize(engineGaps(timer, handle.workflowId, gateSeen));
  log(`${procedure} at ${size.servers} servers: ${plan.steps} steps in ${wallMs} ms, ${history.events} events, ${history.bytes} bytes, largest payload ${history.largestPayload.bytes} (${history.largestPayload.name ?? history.largestPayload.where})`);
  return {
    procedure, servers: size.servers, clusters: size.clusters, serversPerCluster: size.serversPerCluster, cells: estate.cells.length, httpServers: estate.cells.flatMap((c) => c.httpServers).length,
    steps: plan.steps, rolloutWallMs: wallMs,
    historyEvents: judged(history.events, scaleBudget.historyEvents),
    historyBytes: judged(history.bytes, scaleBudget.historyBytes),
    largestPayloadBytes: { ...judged(history.largestPayload.bytes, scaleBudget.payloadBytes), where: history.largestPayload.where, name: history.largestPayload.name },
    payloadBytesByEventType: history.payloadBytesByEventType,
    workerPeakRssMb: peakRssMb,
    planCliMs: { ...judged(plan.cliMs, scaleBudget.planMs, true), exit: plan.cliExit, plannerAloneMs: plan.plannerMs },
    engineOverheadPerStepMs: { median: judged(gaps.p50, scaleBudget.overheadMedianMs, true), p90: gaps.p90, max: gaps.max, samples: gaps.count },
  };
}

function report(runs: object[]): object {
  return {
    benchmark: name,
    measures: 'per workflow run on a simulated estate (every driver simulated; real dev server, bundled workflows and worker): history events and protobuf bytes, the largest payload, the bench process peak RSS (the worker is in process), `turnout plan` wall time, engine gap between steps (gaps holding a gate left out)',
    budget: { appliesAt: 2000, ...scaleBudget },
    simulation: simSettings,
    runs,
    machine: machineInfo(),
    at: new Date().toISOString(),
  };
}

async function run(env: SimBenchEnv, timer: CallTimer): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-bench-scale-'));
  const runs: object[] = [];
  try {
    for (const size of sizes()) {
      for (const procedure of procedures()) {
        // One run that cannot be measured (a history too large to fetch, say) is reported, not fatal.
        runs.push(await oneRun(env, timer, dir, size, procedure).catch((err: Error) => ({ procedure, servers: size.servers, error: err.message.slice(0, 500) })));
        save(name, report(runs));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  publish(name, report(runs));
}

runSimBench(log, run);
