/**
 * A drain a person can watch: each server's count as a small bar, its recent trend as a sparkline,
 * and an estimated time to empty from the observed decay. Pure, so the workflow renders it into
 * Current details and the CLI into `turnout status --watch`, from the same status.
 */
import type { RolloutStatus } from '../model';
import { formatDuration } from './edition-estimate';
import { clockTime, type ClockZone } from './status-view';

/**
 * Bounds of the trend the status keeps: the last `samples` readings of at most `servers` servers,
 * those the drain's progress report names (the activity names at most 20: `drainLimits`), so the
 * status never grows with the estate.
 */
export const drainTrendLimits = { samples: 12, servers: 20 } as const;

/** One reading of one server, as kept in `status.drain.servers[].trend`. */
export interface TrendSample {
  at: string;
  sessions: number | null;
}

/** A server in a drain report, with the trend the status keeps for it. */
export interface TrendServer {
  name: string;
  sessions: number | null;
  problem?: string;
  trend?: TrendSample[];
}

type Drain = NonNullable<RolloutStatus['drain']>;

/**
 * The servers of a new report, each with its trend: what `previous` kept for it plus this reading,
 * the last `samples` only. A server that left the report loses its trend; those past the cap get none.
 */
export function withTrend<T extends { name: string; sessions: number | null }>(servers: readonly T[], previous: readonly TrendServer[] | undefined, at: string): (T & { trend?: TrendSample[] })[] {
  const before = new Map((previous ?? []).map((s) => [s.name, s.trend ?? []]));
  return servers.map((s, i) => (i >= drainTrendLimits.servers ? s : { ...s, trend: [...(before.get(s.name) ?? []), { at, sessions: s.sessions }].slice(-drainTrendLimits.samples) }));
}

/** A bar of `width` cells, `value` against `max`; a count above zero shows at least one cell. */
export function bar(value: number | null, max: number, width = 10): string {
  if (value === null) return '?'.repeat(width);
  const filled = max <= 0 ? 0 : Math.min(width, Math.max(value > 0 ? 1 : 0, Math.round((value / max) * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

const blocks = '▁▂▃▄▅▆▇█';

/** One block per value, from zero to the largest value; an unknown count is `·`. */
export function sparkline(values: readonly (number | null)[]): string {
  const max = Math.max(0, ...values.filter((v): v is number => v !== null));
  return values.map((v) => (v === null ? '·' : blocks[max === 0 ? 0 : Math.round((v / max) * (blocks.length - 1))])).join('');
}

/** When a server empties, from its trend. */
export type TimeToEmpty = { kind: 'empty' } | { kind: 'estimate'; seconds: number } | { kind: 'unknown'; why: string };

/**
 * Seconds until the count reaches zero, at the rate a least-squares line through the known samples
 * gives (over the last minutes a drain's decay is near enough to a line). Unknown while the last
 * count is unknown, with fewer than two known readings, or when the count does not fall.
 */
export function timeToEmpty(samples: readonly TrendSample[]): TimeToEmpty {
  const last = samples.at(-1);
  if (!last || last.sessions === null) return { kind: 'unknown', why: 'count unknown' };
  if (last.sessions <= 0) return { kind: 'empty' };
  const known = samples.flatMap((s) => (s.sessions === null ? [] : [{ t: Date.parse(s.at) / 1000, n: s.sessions }]));
  if (known.length < 2) return { kind: 'unknown', why: 'one reading so far' };
  const meanT = known.reduce((sum, p) => sum + p.t, 0) / known.length;
  const meanN = known.reduce((sum, p) => sum + p.n, 0) / known.length;
  const spread = known.reduce((sum, p) => sum + (p.t - meanT) ** 2, 0);
  if (spread === 0) return { kind: 'unknown', why: 'one reading so far' };
  const slope = known.reduce((sum, p) => sum + (p.t - meanT) * (p.n - meanN), 0) / spread;
  if (slope >= 0) return { kind: 'unknown', why: 'not falling' };
  return { kind: 'estimate', seconds: last.sessions / -slope };
}

/** A server's readings: its trend, or only the current count in a status kept before trends were. */
const readingsOf = (s: TrendServer): TrendSample[] => s.trend ?? [{ at: '', sessions: s.sessions }];

/** The drain as a whole empties when its slowest server does. */
export function drainTimeToEmpty(servers: readonly TrendServer[]): TimeToEmpty {
  const each = servers.map((s) => timeToEmpty(readingsOf(s)));
  const unknown = each.find((e) => e.kind === 'unknown');
  if (unknown) return unknown;
  const seconds = Math.max(0, ...each.map((e) => (e.kind === 'estimate' ? e.seconds : 0)));
  return seconds === 0 ? { kind: 'empty' } : { kind: 'estimate', seconds };
}

function emptyIn(e: TimeToEmpty): string {
  if (e.kind === 'empty') return 'empty';
  return e.kind === 'estimate' ? `~${formatDuration(e.seconds)}` : e.why;
}

/** The largest count a bar is measured against: the highest reading of any shown server. */
function scaleOf(servers: readonly TrendServer[]): number {
  return Math.max(0, ...servers.flatMap((s) => [s.sessions ?? 0, ...(s.trend ?? []).map((t) => t.sessions ?? 0)]));
}

/** One server's row: count, bar, trend and time to empty. */
export interface DrainRow {
  name: string;
  count: string;
  bar: string;
  trend: string;
  emptyIn: string;
}

/** The rows both renderers show, one per reported server. */
export function drainRows(servers: readonly TrendServer[]): DrainRow[] {
  const max = scaleOf(servers);
  return servers.map((s) => ({
    name: s.name,
    count: s.sessions === null ? `unknown${s.problem ? ` (${s.problem})` : ''}` : String(s.sessions),
    bar: bar(s.sessions, max),
    trend: sparkline(readingsOf(s).map((t) => t.sessions)),
    emptyIn: emptyIn(timeToEmpty(readingsOf(s))),
  }));
}

/** The estimate for the whole drain, and whether it beats the deadline, as the end of a sentence. */
export function drainEstimate(drain: Drain): string {
  const e = drainTimeToEmpty(drain.servers);
  if (e.kind === 'empty') return 'the shown servers are empty';
  if (e.kind === 'unknown') return `not yet (${e.why})`;
  const at = Math.max(0, ...drain.servers.flatMap((s) => (s.trend ?? []).map((t) => Date.parse(t.at)).filter((t) => !Number.isNaN(t))));
  const late = at > 0 && at + e.seconds * 1000 > Date.parse(drain.deadline);
  return `about ${formatDuration(e.seconds)} from the last reading${late ? ', after the deadline' : ''}`;
}

/** What the drain counts, as a column heading. */
function measureOf(drain: Drain): string {
  return drain.measure === 'connections' ? 'ORB connections' : 'live sessions';
}

/** The drain for Current details (Markdown), times in `zone`. */
export function drainMarkdown(drain: Drain, zone: ClockZone): string[] {
  const what = measureOf(drain);
  const lines = [
    '',
    `**${drain.measure === 'connections' ? 'Waiting for quiet ORB connections' : 'Draining'}** until ${clockTime(drain.deadline, zone)}`,
    '',
    `| server | ${what} | | trend | empty in |`,
    '|---|---|---|---|---|',
    ...drainRows(drain.servers).map((r) => `| ${r.name} | ${r.count} | \`${r.bar}\` | \`${r.trend}\` | ${r.emptyIn} |`),
    '',
    `Estimated time to empty: ${drainEstimate(drain)}.`,
  ];
  const t = drain.totals;
  if (t) lines.push('', `The ${drain.servers.length} servers holding the drain up most, of ${t.servers}: ${t.sessions} ${what} in all${t.unknown ? `, ${t.unknown} servers unknown` : ''}.`);
  if (drain.servers.some((s) => s.sessions === null)) lines.push('', 'Unknown is not zero: the drain does not end while a count cannot be read.');
  return lines;
}

/** The drain for the terminal: one aligned line per server, times in the local zone. */
export function drainText(drain: Drain): string[] {
  const rows = drainRows(drain.servers);
  const width = (f: (r: DrainRow) => string): number => Math.max(0, ...rows.map((r) => f(r).length));
  const [name, count, trend] = [width((r) => r.name), width((r) => r.count), width((r) => r.trend)];
  const t = drain.totals;
  return [
    `${drain.measure === 'connections' ? 'waiting for quiet ORB connections' : 'draining'} until ${clockTime(drain.deadline, 'local')} (${measureOf(drain)})`,
    ...rows.map((r) => `  ${r.name.padEnd(name)}  ${r.count.padStart(count)}  ${r.bar}  ${r.trend.padEnd(trend)}  ${r.emptyIn}`),
    ...(t ? [`  (most held of ${t.servers} servers; ${t.sessions} in all, ${t.unknown} unknown)`] : []),
    `  estimated time to empty: ${drainEstimate(drain)}`,
  ];
}
