/**
 * `turnout report`'s content: what a change ticket needs after a rollout. The step timeline with
 * durations, who approved what and when, the drain curves per server (from the drainProgress
 * signals in history), the rollback, and the load figures of a `turnout load --json` report.
 * Pure: the status, the history's facts and the load report come in; sections come out.
 */
import type { AuditEvent, RolloutStatus, StepState } from '../../model';
import type { LoadReport } from '../../lab/load';
import type { DrainReading, HistoryFacts } from './history-facts';
import type { Report, ReportBlock, ReportSection } from './render-report';

const marks: Record<StepState['status'], string> = { done: '✓', failed: '✗', skipped: '–', undone: '↶', running: '▶', pending: '·' };
/** Eight heights, lowest first; an empty server is the lowest. */
const bars = '▁▂▃▄▅▆▇█';
/** At most this many points per curve: a long drain is sampled evenly, its last reading kept. */
const curvePoints = 40;
/** Who the engine is in audit events. */
const engine = 'turnout';

function ms(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** `4.2 s`, `3 min 05 s`, `1 h 02 min`: short, and exact enough for a ticket. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, '0')} min`;
}

function between(from: string | undefined, to: string | undefined): string {
  const a = ms(from);
  const b = ms(to);
  return a === undefined || b === undefined ? '' : formatSeconds(Math.max(0, b - a) / 1000);
}

/** `04:47:58` (UTC): the report's header gives the date. */
function clock(iso: string | undefined): string {
  return iso ? iso.slice(11, 19) : '';
}

/** `2026-11-22 04:47:58 UTC`. */
function instant(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : 'unknown';
}

function started(s: RolloutStatus, f: HistoryFacts): AuditEvent | undefined {
  return s.events.find((e) => e.type === 'rollout-started') ?? (f.startedAt ? { at: f.startedAt, by: '?', type: 'rollout-started', message: '' } : undefined);
}

function endedAt(s: RolloutStatus, f: HistoryFacts): string | undefined {
  return f.closedAt ?? (s.events.length ? s.events.at(-1)?.at : undefined);
}

function summary(s: RolloutStatus, f: HistoryFacts): ReportSection {
  const start = started(s, f);
  const end = endedAt(s, f);
  const running = !f.closed;
  const took = s.duration?.actualSeconds !== undefined ? formatSeconds(s.duration.actualSeconds) : between(start?.at, end);
  const lines = [
    `${s.workflowType}: ${s.app} ${s.fromVersion} -> ${s.toVersion} on ${s.target}`,
    `outcome: ${s.state}${s.reason ? ` (${s.reason})` : ''}${running ? ' (still running: this report is as of now)' : ''}`,
    `started ${instant(start?.at)}${start && start.by !== '?' ? ` by ${start.by}` : ''}`,
    ...(running ? [] : [`ended ${instant(end)}, after ${took}`]),
    ...(f.runs > 1 ? [`history: ${f.runs} runs (continued as new at step boundaries)`] : []),
    ...(s.duration ? [`estimates: turnout ${formatSeconds(s.duration.turnoutEstimateSeconds)}, the seed's formula ${formatSeconds(s.duration.seedEstimateSeconds)}`] : []),
  ];
  return { title: 'Summary', blocks: [{ kind: 'lines', lines }] };
}

function timeline(s: RolloutStatus): ReportSection {
  const rows = s.steps.map((st, i) => [String(i + 1), `${marks[st.status]} ${st.status}`, st.startedAt ? clock(st.startedAt) : '', st.startedAt ? between(st.startedAt, st.endedAt) : '', st.title]);
  return { title: 'Steps (times UTC)', blocks: [{ kind: 'table', head: ['#', 'status', 'started', 'took', 'step'], rows }] };
}

function approvals(s: RolloutStatus): ReportSection {
  const rows: string[][] = s.approvals.map((a) => [clock(a.at), a.by, a.phase, a.comment ?? '']);
  for (const e of s.events.filter((e) => e.type === 'approved-automatically')) rows.push([clock(e.at), `${engine} (policy)`, e.stepId?.replace(/\.approval$/, '') ?? '', e.message]);
  rows.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
  // Everything else people did (starts, rollbacks, pauses, refused messages), in order.
  const acts = s.events.filter((e) => e.by !== engine && e.type !== 'approval-received').map((e) => [clock(e.at), e.by, e.type, e.message]);
  const blocks: ReportBlock[] = [rows.length ? { kind: 'table', head: ['at', 'by', 'gate', 'comment'], rows } : { kind: 'lines', lines: ['no approvals'] }];
  return { title: 'Approvals and actions', blocks: [...blocks, ...(acts.length ? [{ kind: 'table', head: ['at', 'by', 'what', 'detail'], rows: acts } as ReportBlock] : [])] };
}

/** Evenly spaced readings, the first and the last always among them. */
function sample<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))] as T);
}

function sparkline(values: (number | null | undefined)[], top: number): string {
  return values.map((v) => (v === undefined ? ' ' : v === null ? '?' : (bars[top <= 0 ? 0 : Math.min(bars.length - 1, Math.round((v / top) * (bars.length - 1)))] ?? ' '))).join('');
}

function curveLine(name: string, values: (number | null | undefined)[], top: number, width: number): string {
  const known = values.filter((v): v is number => typeof v === 'number');
  const first = known[0];
  const last = known.at(-1);
  const ends = first === undefined ? 'unknown' : `${first} -> ${last}${values.includes(null) ? ' (some readings unknown)' : ''}`;
  return `${name.padEnd(width)}  ${sparkline(values, top)}  ${ends}`;
}

function drainCurve(step: StepState | undefined, stepId: string, readings: DrainReading[]): string[] {
  const shown = sample(readings, curvePoints);
  const names = [...new Set(shown.flatMap((r) => r.servers.map((s) => s.name)))];
  const series = names.map((n) => shown.map((r) => r.servers.find((s) => s.name === n)?.sessions));
  const top = Math.max(0, ...series.flat().filter((v): v is number => typeof v === 'number'));
  const width = Math.max(...names.map((n) => n.length), 'all servers'.length);
  const head = `${stepId}: ${step?.title ?? ''}`.trim();
  const span = between(readings[0]?.at, readings.at(-1)?.at);
  const took = step?.startedAt ? `; the step took ${between(step.startedAt, step.endedAt)}` : '';
  const lines = [head, `${readings.length} reading(s) over ${span}${took}; peak ${top}${readings.length > shown.length ? `; ${shown.length} shown` : ''}`];
  lines.push(...names.map((n, i) => curveLine(n, series[i] ?? [], top, width)));
  if (readings.some((r) => r.totals)) {
    const totals = shown.map((r) => r.totals?.sessions);
    const t = readings.at(-1)?.totals;
    lines.push(`${curveLine('all servers', totals, Math.max(0, ...totals.filter((v): v is number => typeof v === 'number')), width)} (${t?.servers ?? '?'} servers, ${t?.unknown ?? 0} unknown at the end)`);
  }
  return lines;
}

function drains(s: RolloutStatus, f: HistoryFacts): ReportSection | undefined {
  const byStep = new Map<string, DrainReading[]>();
  for (const r of f.drainReadings) byStep.set(r.stepId, [...(byStep.get(r.stepId) ?? []), r]);
  if (!byStep.size) return undefined;
  const lines = [...byStep].flatMap(([stepId, all], i) => {
    const step = s.steps.find((st) => st.id === stepId);
    // A drain a rollback cut short may still report; what arrives after its step ended is not its curve.
    const end = step?.endedAt;
    const readings = end ? all.filter((r) => r.at <= end) : all;
    const late = all.length - readings.length;
    return [...(i ? [''] : []), ...(readings.length ? drainCurve(step, stepId, readings) : [`${stepId}: ${step?.title ?? ''}`.trim()]), ...(late ? [`(${late} reading(s) after the step ended left out)`] : [])];
  });
  return { title: 'Drains (sessions per server, one mark per reading)', blocks: [{ kind: 'pre', lines }] };
}

function rollback(s: RolloutStatus): ReportSection | undefined {
  const steps = s.steps.filter((st) => st.id.startsWith('rollback.'));
  if (!steps.length && s.state !== 'rolled-back' && !s.rollback) return undefined;
  const asked = s.events.find((e) => e.type === 'rollback-requested');
  const from = asked?.at ?? steps[0]?.startedAt;
  const routing = steps.find((st) => st.id === 'rollback.routing');
  const end = s.events.find((e) => e.type === 'rolled-back' || (e.type === 'failed' && from && e.at >= from));
  const lines = [
    asked ? `asked by ${asked.by} at ${clock(asked.at)}: ${asked.message}` : `started by turnout at ${clock(from)}${s.reason ? `: ${s.reason}` : ''}`,
    ...(routing?.endedAt ? [`routing restored at ${clock(routing.endedAt)}, ${between(from, routing.endedAt)} after the rollback began`] : []),
    ...(s.rollback?.blocked ? [`blocked at ${s.rollback.blocked.stepId} since ${clock(s.rollback.blocked.since)} (${s.rollback.blocked.attempts} attempts): ${s.rollback.blocked.reason}`] : []),
    ...(s.rollback?.leftAsIs ? [`left as is by ${s.rollback.leftAsIs.by} at ${clock(s.rollback.leftAsIs.at)}: ${s.rollback.leftAsIs.reason}`] : []),
    ...(end ? [`ended ${s.state} at ${clock(end.at)}, ${between(from, end.at)} after the rollback began`] : []),
  ];
  const undone = s.steps.filter((st) => st.status === 'undone').map((st) => st.title);
  return {
    title: 'Rollback',
    blocks: [{ kind: 'lines', lines }, ...(undone.length ? [{ kind: 'lines', lines: undone.map((t) => `undone: ${t}`) } as ReportBlock] : [])],
  };
}

function loadSection(r: LoadReport, render: (r: LoadReport) => string): ReportSection {
  const verdict = r.failed === 0 && r.lostSessions === 0 && r.versionFlips === 0 ? 'no failed request, no lost session, no version flip' : `${r.failed} failed request(s), ${r.lostSessions} lost session(s), ${r.versionFlips} version flip(s)`;
  return { title: 'Load during the rollout (turnout load)', blocks: [{ kind: 'lines', lines: [verdict] }, { kind: 'pre', lines: render(r).trimEnd().split('\n') }] };
}

/** What `buildReport` reads besides the status and history. */
export interface ReportInputs {
  load?: LoadReport;
  /** Draws a load report (`turnout load`'s own text), so both read alike. */
  renderLoad?: (r: LoadReport) => string;
}

/** The report of one rollout: its status (the query, or the result), what its history adds, and the load figures. */
export function buildReport(status: RolloutStatus, facts: HistoryFacts, inputs: ReportInputs = {}): Report {
  const sections = [summary(status, facts), timeline(status), approvals(status), drains(status, facts), rollback(status)];
  if (inputs.load && inputs.renderLoad) sections.push(loadSection(inputs.load, inputs.renderLoad));
  return { title: `Rollout report: ${status.rolloutId}`, sections: sections.filter((s): s is ReportSection => s !== undefined) };
}
