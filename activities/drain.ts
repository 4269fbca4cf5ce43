/**
 * The drain's wait: read the counts, heartbeat, tell the workflow (bounded), and wait for the next
 * reading as briefly as the counter allows. A counter that can say when a count changes (the
 * lab's dmgr) is waited on; one that cannot (PMI, asadmin) is polled, faster as the counts near
 * the threshold, so the drain ends soon after the last session does rather than a whole poll
 * interval later.
 */
import { Context, log } from '@temporalio/activity';
import type { ServerSessions, SessionCounter } from '../src/drivers/sessions/sessions';
import type { DrainInput, DrainResult } from './rollout-types';

/** What a drain remembers in its heartbeat, so a retried attempt continues the same wait. */
export interface DrainHeartbeat {
  startedAt: number;
  servers: ServerSessions[];
}

/** Bounds of the drain's progress reports and polls. */
export const drainLimits = {
  /** Most servers one progress report names; the others are only summed in its totals. */
  reportedServers: 20,
  /** Shortest wait between two polls of a counter that cannot say when counts change. */
  minPollMs: 200,
} as const;

/** Sums over every drained server, sent when the report names only some of them. */
export interface DrainTotals {
  servers: number;
  /** Sessions on the servers whose count is known. */
  sessions: number;
  /** Servers whose count could not be read. */
  unknown: number;
}

/** One progress report: the servers worth showing, and the totals when those are not all. */
export interface DrainProgressView {
  servers: ServerSessions[];
  totals?: DrainTotals;
}

/** What the drain reports through: false when the workflow has ended (the drain is then moot). */
export type DrainReporter = (view: DrainProgressView, deadline: string) => Promise<boolean>;

/** How the wait ended, with what the drain result needs. */
export type DrainOutcome = Omit<DrainResult, 'sprayerConnections'> & { workflowGone?: true };

/**
 * The report for `servers`: all of them while few, else the unknown ones and those with the most
 * sessions (a person looks for what holds the drain up), capped, with totals over all.
 */
export function progressView(servers: readonly ServerSessions[]): DrainProgressView {
  if (servers.length <= drainLimits.reportedServers) return { servers: [...servers] };
  const rank = (s: ServerSessions): number => (s.sessions === null ? Number.POSITIVE_INFINITY : s.sessions);
  const top = servers
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(b.s) - rank(a.s) || a.i - b.i)
    .slice(0, drainLimits.reportedServers)
    .map(({ s }) => s);
  const sessions = servers.reduce((sum, s) => sum + (s.sessions ?? 0), 0);
  return { servers: top, totals: { servers: servers.length, sessions, unknown: servers.filter((s) => s.sessions === null).length } };
}

/**
 * One reading of every server. A counter that fails makes every count unknown: a drain must never
 * end because the admin side is down and its servers therefore look empty.
 */
async function readCounts(counter: SessionCounter, servers: readonly string[]): Promise<ServerSessions[]> {
  try {
    const read = new Map((await counter.liveSessions(servers)).map((s) => [s.name, s]));
    return servers.map((name) => read.get(name) ?? { name, sessions: null, problem: 'not reported' });
  } catch (err) {
    const problem = (err as Error).message.slice(0, 300);
    return servers.map((name) => ({ name, sessions: null, problem }));
  }
}

/** Whether every server is known to be at or under the threshold. */
function isDrained(servers: readonly ServerSessions[], threshold: number): boolean {
  return servers.every((s) => s.sessions !== null && s.sessions <= threshold);
}

/** Sessions above the threshold over all servers, or undefined when a count is unknown. */
function excessOf(servers: readonly ServerSessions[], threshold: number): number | undefined {
  let excess = 0;
  for (const s of servers) {
    if (s.sessions === null) return undefined;
    excess += Math.max(0, s.sessions - threshold);
  }
  return excess;
}

/** A reading's time and excess, for the decay estimate. */
export interface Reading {
  at: number;
  excess: number | undefined;
}

/**
 * How long to wait before polling again. Until a decay is seen the waits grow from the floor to the
 * poll interval (the `readings`-th doubles), so a drain whose sessions end within its first interval
 * is not read a whole interval late; once one is seen, half the time the decay since the first
 * reading predicts is left, so polls close in on the moment the last session ends.
 */
export function nextPollMs(first: Reading, now: Reading, pollMs: number, readings: number): number {
  if (first.excess === undefined || now.excess === undefined) return pollMs;
  if (now.excess >= first.excess || now.at <= first.at) return Math.min(pollMs, drainLimits.minPollMs * 2 ** Math.max(0, readings - 1));
  const perMs = (first.excess - now.excess) / (now.at - first.at);
  const predictedMs = now.excess / perMs;
  return Math.min(pollMs, Math.max(drainLimits.minPollMs, predictedMs / 2));
}

/** Sends changed counts, at most once per poll interval; a change held back goes out on a later reading. */
class ProgressThrottle {
  private sent: string | undefined;
  private sentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly report: DrainReporter,
  ) {}

  /** False when the workflow has ended. */
  async offer(servers: readonly ServerSessions[], deadline: string): Promise<boolean> {
    const key = JSON.stringify(servers);
    if (key === this.sent || Date.now() - this.sentAt < this.intervalMs) return true;
    this.sent = key;
    this.sentAt = Date.now();
    return this.report(progressView(servers), deadline);
  }
}

/** Waits `waitMs` or less: until a count changes where the counter can tell, else the whole time. */
async function pause(counter: SessionCounter, servers: readonly ServerSessions[], waitMs: number): Promise<void> {
  const ctx = Context.current();
  const known = servers.every((s) => s.sessions !== null) ? servers.map((s) => ({ name: s.name, sessions: s.sessions as number })) : undefined;
  let left = waitMs;
  if (counter.waitForChange && known && left > 0) {
    const started = Date.now();
    // ctx.cancelled rejects on a cancellation, so a rollback does not wait for the dmgr's answer.
    const outcome = await Promise.race([counter.waitForChange(known, left, ctx.cancellationSignal), ctx.cancelled]);
    if (outcome !== 'unavailable') return;
    left -= Date.now() - started;
  }
  if (left > 0) await ctx.sleep(left);
}

/**
 * Waits until every server is at or under the threshold, the deadline passes, or the workflow is
 * gone. A retried attempt continues from its last heartbeat's start, so the deadline holds.
 */
export async function waitForDrain(input: DrainInput, counter: SessionCounter, report: DrainReporter): Promise<DrainOutcome> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as DrainHeartbeat | undefined;
  const startedAt = resumed?.startedAt ?? Date.now();
  const deadlineMs = startedAt + input.policy.maxWaitSeconds * 1000;
  const deadline = new Date(deadlineMs).toISOString();
  const pollMs = input.policy.pollIntervalSeconds * 1000;
  const threshold = input.policy.sessionThreshold;
  const progress = new ProgressThrottle(pollMs, report);
  if (resumed) log.info('drain resumed from its last heartbeat', { stepId: input.stepId, startedAt: new Date(startedAt).toISOString() });
  const waited = (): number => Math.round((Date.now() - startedAt) / 1000);
  let first: Reading | undefined;
  for (let readings = 1; ; readings++) {
    const servers = await readCounts(counter, input.servers);
    const now: Reading = { at: Date.now(), excess: excessOf(servers, threshold) };
    ctx.heartbeat({ startedAt, servers } satisfies DrainHeartbeat);
    const drained = isDrained(servers, threshold);
    if (drained || now.at >= deadlineMs) return { drained, servers, deadline, waitedSeconds: waited() };
    // Nobody needs live counts from a drain that is already over.
    if (!(await progress.offer(servers, deadline))) {
      // A rollback ended the rollout while this attempt still ran: nobody waits for it any more.
      log.info('drain stopped: its workflow has ended', { stepId: input.stepId });
      return { drained: false, servers, deadline, waitedSeconds: waited(), workflowGone: true };
    }
    if (first?.excess === undefined) first = now;
    const waitMs = counter.waitForChange ? pollMs : nextPollMs(first, now, pollMs, readings);
    await pause(counter, servers, Math.min(waitMs, Math.max(0, deadlineMs - Date.now())));
  }
}
