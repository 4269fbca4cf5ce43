/**
 * What a rollout's history holds that its status does not: the drain readings (the `drainProgress`
 * signals, each bounded to 20 servers) with the time each arrived, and how the workflow closed. Pure: it reads a history already fetched (or a recorded one).
 */
import type { temporal } from '@temporalio/proto';
import type { RolloutStatus } from '../../model';
import { drainProgressSchema, messageNames } from '../../../workflows/messages';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

/** One drainProgress signal: the counts a drain read, and when they reached the workflow. */
export interface DrainReading {
  at: string;
  stepId: string;
  /** `null` is a count nobody could read. */
  servers: { name: string; sessions: number | null }[];
  /** Sums over every drained server, when `servers` names only those holding the drain up most. */
  totals?: { servers: number; sessions: number; unknown: number };
}

/** The facts the report needs from a history. */
export interface HistoryFacts {
  startedAt?: string;
  closedAt?: string;
  /** `completed`, `failed`, `terminated`, `cancelled`, `timed-out`, `continued`, or undefined while running. */
  closed?: string;
  /** The failure's message, when the workflow closed failed or terminated. */
  closeReason?: string;
  drainReadings: DrainReading[];
  /** The workflow's result, when it completed with a status. */
  result?: RolloutStatus;
  /** The run this one continued (continue-as-new at a step boundary): its history holds the earlier readings. */
  continuedFrom?: string;
  /** How many runs these facts cover. */
  runs: number;
}

function isoOf(e: HistoryEvent): string {
  const t = e.eventTime;
  if (!t) return '';
  const ms = Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

/** The first payload as JSON, or undefined when it is not JSON (another encoding, or unreadable). */
function firstJson(payloads: Payloads): unknown {
  const p = payloads?.payloads?.[0];
  if (!p?.data) return undefined;
  const encoding = p.metadata?.encoding ? Buffer.from(p.metadata.encoding).toString('utf8') : '';
  if (encoding !== 'json/plain') return undefined;
  try {
    return JSON.parse(Buffer.from(p.data).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function drainReading(at: string, input: unknown): DrainReading | undefined {
  const parsed = drainProgressSchema.safeParse(input);
  if (!parsed.success) return undefined;
  const { stepId, servers, totals } = parsed.data;
  return { at, stepId, servers: servers.map(({ name, sessions }) => ({ name, sessions })), ...(totals ? { totals } : {}) };
}

const closings: [keyof HistoryEvent, string][] = [
  ['workflowExecutionCompletedEventAttributes', 'completed'],
  ['workflowExecutionFailedEventAttributes', 'failed'],
  ['workflowExecutionTerminatedEventAttributes', 'terminated'],
  ['workflowExecutionCanceledEventAttributes', 'cancelled'],
  ['workflowExecutionTimedOutEventAttributes', 'timed-out'],
  ['workflowExecutionContinuedAsNewEventAttributes', 'continued'],
];

function closing(e: HistoryEvent, facts: HistoryFacts): void {
  const found = closings.find(([key]) => e[key]);
  if (!found) return;
  facts.closed = found[1];
  facts.closedAt = isoOf(e);
  const result = firstJson(e.workflowExecutionCompletedEventAttributes?.result);
  if (result && typeof result === 'object' && 'state' in result) facts.result = result as RolloutStatus;
  const reason = e.workflowExecutionFailedEventAttributes?.failure?.message ?? e.workflowExecutionTerminatedEventAttributes?.reason;
  if (reason) facts.closeReason = reason;
}

/** Reads the facts out of a history, in event order. */
export function historyFacts(history: History): HistoryFacts {
  const facts: HistoryFacts = { drainReadings: [], runs: 1 };
  for (const e of history.events ?? []) {
    const at = isoOf(e);
    const start = e.workflowExecutionStartedEventAttributes;
    if (start) {
      facts.startedAt = at;
      if (start.continuedExecutionRunId) facts.continuedFrom = start.continuedExecutionRunId;
    }
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === messageNames.drainProgress) {
      const reading = drainReading(at, firstJson(signal.input));
      if (reading) facts.drainReadings.push(reading);
    }
    closing(e, facts);
  }
  return facts;
}

/** One rollout's facts from the facts of its runs, oldest first: the first run's start, every reading, the last run's close. */
export function mergeRunFacts(runs: HistoryFacts[]): HistoryFacts {
  const first = runs[0];
  const last = runs.at(-1);
  if (!first || !last) return { drainReadings: [], runs: 0 };
  const { continuedFrom: _continued, ...closing } = last;
  return { ...closing, ...(first.startedAt ? { startedAt: first.startedAt } : {}), drainReadings: runs.flatMap((r) => r.drainReadings), runs: runs.reduce((n, r) => n + r.runs, 0) };
}
