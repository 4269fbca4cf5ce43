/**
 * `turnout schedule ...`: off-peak rollouts on Temporal Schedules. A schedule starts the request's
 * procedure at calendar times in a time zone; the workflow IDs it starts get a timestamp from the
 * server, so the one-rollout-per-target rule is the target lease's job, not the ID's: a run that
 * comes up while its target is rolling out fails fast, naming the running rollout, touching nothing.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleSummary } from '@temporalio/client';
import { isTimeZone } from '../../model';
import { formatInstant } from '../../planning/windows';
import { parseCalendarSpec } from '../calendar-spec';
import { CliError, ExitCode } from '../exit-codes';
import { rolloutMemo } from '../rollout-status';
import { withClient } from '../temporal-client';
import { loadStartableRequest, startSearchAttributes } from './rollout';

/** What turnout records on a schedule, for `schedule list` and the Web UI. */
export interface ScheduleMemo {
  target: string;
  calendar: string;
  timeZone: string;
  request: string;
  until?: string;
}

/** One schedule as `schedule list --json` prints it. */
export interface ScheduleRow {
  scheduleId: string;
  target: string | null;
  workflowType: string | null;
  calendar: string | null;
  timeZone: string | null;
  paused: boolean;
  note: string | null;
  nextRuns: string[];
  lastRun: { at: string; workflowId: string } | null;
}

const shownRuns = 3;

function untilDate(until: string | undefined): Date | undefined {
  if (until === undefined) return undefined;
  const when = new Date(until);
  if (Number.isNaN(when.getTime())) throw new CliError(`--until: not an ISO date or date-time: ${until}`, ExitCode.invalidInput);
  if (when.getTime() <= Date.now()) throw new CliError(`--until: ${until} is in the past`, ExitCode.invalidInput);
  return when;
}

function checkZone(zone: string): string {
  if (!isTimeZone(zone)) throw new CliError(`--tz: '${zone}' is not an IANA time zone, such as Europe/Berlin`, ExitCode.invalidInput);
  return zone;
}

/** A time as the release engineer reads it: wall clock in the schedule's zone, then UTC. */
function localTime(at: Date, zone: string | null): string {
  return zone ? formatInstant(at.toISOString(), zone) : at.toISOString();
}

/** Turns "not found" into exit 3, naming the schedule. */
async function onSchedule<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new CliError(`no schedule ${id}`, ExitCode.conflict);
    throw err;
  }
}

function rowOf(id: string, s: Pick<ScheduleSummary | ScheduleDescription, 'spec' | 'memo' | 'state' | 'info' | 'action'>): ScheduleRow {
  const memo = (s.memo ?? {}) as Partial<ScheduleMemo>;
  const last = s.info.recentActions.at(-1);
  return {
    scheduleId: id,
    target: memo.target ?? null,
    workflowType: s.action?.workflowType ?? null,
    calendar: memo.calendar ?? null,
    timeZone: s.spec?.timezone ?? memo.timeZone ?? null,
    paused: s.state.paused,
    note: s.state.note || null,
    nextRuns: s.info.nextActionTimes.slice(0, shownRuns).map((d) => d.toISOString()),
    lastRun: last ? { at: last.takenAt.toISOString(), workflowId: last.action.workflow.workflowId } : null,
  };
}

function renderRow(r: ScheduleRow): string {
  const lines = [
    `${r.scheduleId}  ${r.workflowType ?? '?'}  ${r.target ?? '(not a turnout schedule)'}  '${r.calendar ?? '?'}' ${r.timeZone ?? ''}${r.paused ? `  PAUSED${r.note ? ` (${r.note})` : ''}` : ''}`,
    `  next runs: ${r.nextRuns.length > 0 ? r.nextRuns.map((t) => localTime(new Date(t), r.timeZone)).join('; ') : 'none'}`,
    `  last run: ${r.lastRun ? `${localTime(new Date(r.lastRun.at), r.timeZone)} ${r.lastRun.workflowId}` : 'never'}`,
  ];
  return `${lines.join('\n')}\n`;
}

type CreateOpts = { calendar: string; tz: string; until?: string; id?: string; json?: boolean };

async function create(file: string, opts: CreateOpts): Promise<void> {
  // Everything is checked before the server is asked for anything: a bad input creates nothing.
  const startable = await loadStartableRequest(file);
  const calendar = parseCalendarSpec(opts.calendar);
  const timeZone = checkZone(opts.tz);
  const endAt = untilDate(opts.until);
  const { request, workflowType, target, input } = startable;
  const scheduleId = opts.id ?? `turnout-${target}-${request.toVersion}`;
  const memo: ScheduleMemo = { target, calendar: opts.calendar, timeZone, request: path.basename(file), ...(endAt ? { until: endAt.toISOString() } : {}) };
  await withClient(async (client, config) => {
    try {
      await client.schedule.create({
        scheduleId,
        spec: { calendars: [calendar], timezone: timeZone, ...(endAt ? { endAt } : {}) },
        action: {
          type: 'startWorkflow',
          workflowType,
          taskQueue: config.taskQueue,
          // The server appends the scheduled time to this ID for each run.
          workflowId: scheduleId,
          args: [input],
          memo: { ...rolloutMemo(request, target) },
          typedSearchAttributes: startSearchAttributes(startable, 'running'),
          staticSummary: `turnout: ${request.app} ${request.fromVersion} -> ${request.toVersion} on ${target}`,
        },
        // A run still going when the next time comes is not doubled; the lease would refuse it anyway.
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        memo: { ...memo },
        typedSearchAttributes: startSearchAttributes(startable),
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) throw new CliError(`a schedule with ID ${scheduleId} already exists; choose another --id or delete it first`, ExitCode.conflict);
      throw err;
    }
    const row = rowOf(scheduleId, await client.schedule.getHandle(scheduleId).describe());
    process.stdout.write(opts.json ? `${JSON.stringify(row)}\n` : `created schedule ${scheduleId}\n${renderRow(row)}`);
  });
}

async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const s of client.schedule.list()) rows.push(rowOf(s.scheduleId, s));
  return rows.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

async function list(opts: { json?: boolean }): Promise<void> {
  await withClient(async (client) => {
    const rows = await listSchedules(client);
    if (opts.json) return void process.stdout.write(`${JSON.stringify(rows)}\n`);
    process.stdout.write(rows.length > 0 ? rows.map(renderRow).join('') : 'no schedules\n');
  });
}

async function setPaused(id: string, paused: boolean, opts: { note?: string; json?: boolean }): Promise<void> {
  await withClient(async (client) => {
    const handle = client.schedule.getHandle(id);
    const note = opts.note ?? `${paused ? 'paused' : 'unpaused'} with turnout`;
    await onSchedule(id, () => (paused ? handle.pause(note) : handle.unpause(note)));
    const row = rowOf(id, await onSchedule(id, () => handle.describe()));
    process.stdout.write(opts.json ? `${JSON.stringify(row)}\n` : `schedule ${id} ${paused ? 'paused' : 'unpaused'}\n${renderRow(row)}`);
  });
}

async function remove(id: string, opts: { json?: boolean }): Promise<void> {
  await withClient(async (client) => {
    await onSchedule(id, () => client.schedule.getHandle(id).delete());
    process.stdout.write(opts.json ? `${JSON.stringify({ scheduleId: id, deleted: true })}\n` : `schedule ${id} deleted\n`);
  });
}

/** Registers `turnout schedule create|list|pause|unpause|delete`. */
export function register(program: Command): void {
  const schedule = program.command('schedule').description('off-peak rollouts on Temporal Schedules');
  schedule
    .command('create')
    .description("start the request's rollout at calendar times; checks the request like `turnout start`, creates nothing when it is invalid")
    .argument('<request>', 'the RolloutRequest JSON file')
    .requiredOption('--calendar <spec>', "DAY[,DAY] HH:MM, days MON..SUN or *, such as 'SUN 02:00'")
    .requiredOption('--tz <zone>', 'IANA time zone of the calendar, such as Europe/Berlin')
    .option('--until <date>', 'no runs after this ISO date or date-time')
    .option('--id <id>', 'the schedule ID (default turnout-<target>-<toVersion>)')
    .option('--json', 'print JSON')
    .action(create);
  schedule.command('list').description('schedules: target, calendar, zone, paused, next runs, last run').option('--json', 'print JSON').action(list);
  schedule
    .command('pause')
    .description('take no scheduled runs until unpaused')
    .argument('<id>')
    .option('--note <text>', 'why')
    .option('--json', 'print JSON')
    .action((id: string, o: { note?: string; json?: boolean }) => setPaused(id, true, o));
  schedule
    .command('unpause')
    .description('take scheduled runs again')
    .argument('<id>')
    .option('--note <text>', 'why')
    .option('--json', 'print JSON')
    .action((id: string, o: { note?: string; json?: boolean }) => setPaused(id, false, o));
  schedule.command('delete').description('delete a schedule (runs already started go on)').argument('<id>').option('--json', 'print JSON').action(remove);
}
