/**
 * The rollout commands: `start`, `status`, and the messages `approve`, `rollback`, `pause`,
 * `resume` (sent as updates, so a refused message says why and exits 3).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SearchAttributePair } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { isFinal, workflowTypes, type RolloutRequest, type RolloutState, type RolloutStatus, type WorkflowType } from '../../model';
import { planRollout, PlanningError } from '../../planning';
import { approvePhaseUpdate, pauseRolloutUpdate, requestRollbackUpdate, resumeRolloutUpdate } from '../../../workflows/messages';
import { rolloutSearchAttributes } from '../../../workflows/search-attributes';
import { targetLeaseId } from '../../../workflows/target-lease';
import { CliError, ExitCode } from '../exit-codes';
import { renderStatus } from '../render-status';
import { notBegun, readRolloutStatus, rolloutMemo, startsAt } from '../rollout-status';
import { loadRequestFile } from '../request-input';
import { uiLink, withClient } from '../temporal-client';

/** The rollout holding `target`, if one runs. */
export async function runningOwner(client: Client, target: string): Promise<string | undefined> {
  try {
    const d = await client.workflow.getHandle(targetLeaseId(target)).describe();
    return d.status.name === 'RUNNING' ? (d.parentExecution?.workflowId ?? targetLeaseId(target)) : undefined;
  } catch {
    return undefined;
  }
}

function startDelay(at: string | undefined): number | undefined {
  if (at === undefined) return undefined;
  const when = Date.parse(at);
  if (Number.isNaN(when)) throw new CliError(`--at: not an ISO date-time: ${at}`, ExitCode.invalidInput);
  const delay = when - Date.now();
  if (delay <= 0) throw new CliError(`--at: ${at} is in the past`, ExitCode.invalidInput);
  return delay;
}

/** A request ready to start: validated, planned (for its target), and the raw JSON the workflow gets. */
export interface StartableRequest {
  request: RolloutRequest;
  workflowType: WorkflowType;
  target: string;
  /** The raw JSON: a named estate is resolved by the worker, from its own folder. */
  input: unknown;
}

/**
 * Loads REQUEST.json the way `turnout start` does: validation and planning before anything is
 * touched; a bad request or a refused plan is invalid input (exit 2) naming JSON paths.
 */
export async function loadStartableRequest(file: string): Promise<StartableRequest> {
  const { request, estate } = await loadRequestFile(file);
  const workflowType = request.procedure ?? workflowTypes.multiCellRollout;
  let target: string;
  try {
    target = planRollout(workflowType, request, estate).target;
  } catch (err) {
    if (err instanceof PlanningError) throw new CliError(`${file}: cannot plan: ${err.message}`, ExitCode.invalidInput);
    throw err;
  }
  const input: unknown = JSON.parse(await readFile(file, 'utf8'));
  return { request, workflowType, target, input };
}

/** The search attributes a rollout carries from its start (before its workflow sets its own); a schedule's have no state. */
export function startSearchAttributes(s: Omit<StartableRequest, 'input'>, state?: RolloutState): SearchAttributePair[] {
  return [
    { key: rolloutSearchAttributes.app, value: s.request.app },
    { key: rolloutSearchAttributes.target, value: s.target },
    { key: rolloutSearchAttributes.strategy, value: s.workflowType },
    ...(state ? [{ key: rolloutSearchAttributes.state, value: state }] : []),
  ];
}

async function start(file: string, opts: { at?: string; id?: string; json?: boolean }): Promise<void> {
  const { request, workflowType: type, target, input } = await loadStartableRequest(file);
  const delay = startDelay(opts.at);
  await withClient(async (client, config) => {
    const owner = await runningOwner(client, target);
    if (owner) throw new CliError(`a rollout of ${target} is already running: ${owner}; nothing was started`, ExitCode.conflict);
    const workflowId = opts.id ?? `${request.app}-${request.toVersion}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
    try {
      await client.workflow.start(type, {
        taskQueue: config.taskQueue,
        workflowId,
        args: [input],
        memo: { ...rolloutMemo(request, target, opts.at ? new Date(opts.at) : undefined) },
        // The UI's Summary field, so the workflow list reads what each rollout does.
        staticSummary: `${type}: ${request.app} ${request.fromVersion} -> ${request.toVersion} on ${target}`,
        ...(delay ? { startDelay: delay } : {}),
        typedSearchAttributes: startSearchAttributes({ request, workflowType: type, target }, delay ? 'scheduled' : 'running'),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new CliError(`a workflow with ID ${workflowId} already exists; choose another --id`, ExitCode.conflict);
      throw err;
    }
    const out = { rolloutId: workflowId, workflowType: type, target, url: uiLink(config, workflowId), ...(opts.at ? { startsAt: opts.at } : {}) };
    process.stdout.write(opts.json ? `${JSON.stringify(out)}\n` : `started ${type} ${workflowId} for ${target}${opts.at ? ` at ${opts.at}` : ''}\n${out.url}\n`);
  });
}

const clearScreen = '\x1b[H\x1b[2J';
const watchEveryMs = 1000;
const recentEventCount = 5;

/** Prints one status: JSON (one line), or the compact block. */
function printStatus(s: RolloutStatus, opts: { json?: boolean; watch?: boolean }): void {
  if (opts.json) return void process.stdout.write(`${JSON.stringify(s)}\n`);
  const block = renderStatus(s, opts.watch ? { now: new Date(), events: recentEventCount } : { events: recentEventCount });
  process.stdout.write(opts.watch && process.stdout.isTTY ? `${clearScreen}${block}` : block);
}

/**
 * Redraws until the rollout ends. A TTY is redrawn in place every tick (the elapsed time moves);
 * anything else gets a new block, or a new NDJSON line, only when the status changed.
 */
async function watchStatus(client: Client, id: string, opts: { json?: boolean }): Promise<RolloutStatus> {
  let last = '';
  for (;;) {
    const s = await readRolloutStatus(client, id);
    const key = JSON.stringify(s);
    if (key !== last || (!opts.json && process.stdout.isTTY)) {
      if (key !== last && last !== '' && !opts.json && !process.stdout.isTTY) process.stdout.write('\n');
      printStatus(s, { ...opts, watch: true });
    }
    last = key;
    if (isFinal(s.state)) return s;
    await new Promise((r) => setTimeout(r, watchEveryMs));
  }
}

async function status(id: string, opts: { json?: boolean; watch?: boolean }): Promise<void> {
  await withClient(async (client) => {
    if (!opts.watch) return printStatus(await readRolloutStatus(client, id), opts);
    const s = await watchStatus(client, id, opts);
    if (s.state !== 'succeeded') throw new CliError(`rollout ${id} ended ${s.state}${s.reason ? `: ${s.reason}` : ''}`, ExitCode.failure);
  });
}

type MessageOpts = { by: string; phase?: string; comment?: string; reason?: string; json?: boolean };

/**
 * Why a message cannot reach the rollout at all: it has ended (an update can no longer be
 * delivered) or it is a delayed start that has not begun. Undefined when it is running.
 */
async function undeliverable(client: Client, id: string): Promise<string | undefined> {
  const d = await client.workflow.getHandle(id).describe();
  if (notBegun(d)) return `rollout ${id} has not begun; it starts at ${startsAt(d)}`;
  if (d.status.name === 'RUNNING') return undefined;
  const s = await readRolloutStatus(client, id);
  return `rollout ${id} has ended (${s.state}${s.reason ? `: ${s.reason}` : ''})`;
}

async function sendUpdate(id: string, name: string, send: (h: WorkflowHandle) => Promise<RolloutStatus>, json: boolean | undefined): Promise<void> {
  await withClient(async (client) => {
    const why = await undeliverable(client, id);
    if (why) throw new CliError(`${name} refused: ${why}`, ExitCode.conflict);
    let s: RolloutStatus;
    try {
      s = await send(client.workflow.getHandle(id));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new CliError(`${name} refused: ${err.cause?.message ?? err.message}`, ExitCode.conflict);
      // It ended between describe and the update.
      if (/workflow execution already completed/i.test((err as Error).message)) throw new CliError(`${name} refused: rollout ${id} has ended`, ExitCode.conflict);
      throw err;
    }
    process.stdout.write(json ? `${JSON.stringify(s)}\n` : `${name} accepted; ${id} is ${s.state}\n`);
  });
}

/** Registers the commands. */
export function register(program: Command): void {
  program
    .command('start')
    .description('start a rollout and print its ID and UI link')
    .argument('<request>', 'the RolloutRequest JSON file')
    .option('--at <iso>', 'start at this time (a start delay)')
    .option('--id <id>', 'the workflow ID')
    .option('--json', 'print JSON')
    .action(start);
  program
    .command('status')
    .description('show a rollout: state, steps, what it waits for, approvals (who, when, comment)')
    .argument('<id>')
    .option('--json', 'print JSON (with --watch: one line per change, NDJSON)')
    .option('--watch', 'redraw until the rollout ends; exit 0 if it succeeded, 1 if it failed or was rolled back')
    .action(status);
  program
    .command('approve')
    .description('approve the phase awaiting approval')
    .argument('<id>')
    .requiredOption('--by <name>', 'who approves')
    .option('--phase <phase>', 'the phase (checked against the one awaiting approval)')
    .option('--comment <text>')
    .option('--json', 'print the new status as JSON')
    .action((id: string, o: MessageOpts) => sendUpdate(id, 'approve', (h) => h.executeUpdate(approvePhaseUpdate, { args: [{ by: o.by, ...(o.phase ? { phase: o.phase } : {}), ...(o.comment ? { comment: o.comment } : {}) }] }), o.json));
  program
    .command('rollback')
    .description('roll the rollout back now: routing first, then version N')
    .argument('<id>')
    .requiredOption('--by <name>', 'who asks')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print the new status as JSON')
    .action((id: string, o: MessageOpts) => sendUpdate(id, 'rollback', (h) => h.executeUpdate(requestRollbackUpdate, { args: [{ by: o.by, reason: o.reason ?? '' }] }), o.json));
  program
    .command('pause')
    .description('hold the rollout at the next step boundary')
    .argument('<id>')
    .requiredOption('--by <name>', 'who asks')
    .option('--reason <text>')
    .option('--json', 'print the new status as JSON')
    .action((id: string, o: MessageOpts) => sendUpdate(id, 'pause', (h) => h.executeUpdate(pauseRolloutUpdate, { args: [{ by: o.by, ...(o.reason ? { reason: o.reason } : {}) }] }), o.json));
  program
    .command('resume')
    .description('continue a paused rollout')
    .argument('<id>')
    .requiredOption('--by <name>', 'who asks')
    .option('--json', 'print the new status as JSON')
    .action((id: string, o: MessageOpts) => sendUpdate(id, 'resume', (h) => h.executeUpdate(resumeRolloutUpdate, { args: [{ by: o.by }] }), o.json));
}
