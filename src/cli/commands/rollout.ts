/**
 * The rollout commands: `start`, `status`, and the messages `approve`, `rollback`, `pause`,
 * `resume` and `leave-as-is` (sent as updates, so a refused message says why and exits 3; see
 * message-delivery.ts for what each exit means).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SearchAttributePair } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { isFinal, workflowTypes, type Plan, type RolloutRequest, type RolloutState, type RolloutStatus, type WorkflowType } from '../../model';
import { planRollout, PlanningError } from '../../planning';
import { failureTypes } from '../../../workflows/failure-types';
import { rolloutSearchAttributes } from '../../../workflows/search-attributes';
import type { Config } from '../../config';
import { CliError, ExitCode } from '../exit-codes';
import { awaitLeaseOutcome, runningOwner, type LeaseOutcome } from '../lease-outcome';
import { deliverMessage } from '../message-delivery';
import { renderStatus } from '../render-status';
import { approveMessage, leaveAsIsMessage, pauseMessage, resumeMessage, rollbackMessage, type MessageOptions, type RolloutMessage } from '../rollout-messages';
import { readRolloutStatus, rolloutMemo, StatusUnanswered } from '../rollout-status';
import { loadRequestFile, refuseUnsafe } from '../request-input';
import { uiLink, withClient } from '../temporal-client';
import { noWorkerSentence, workerAnswerLimitMs } from '../worker-presence';

export { runningOwner } from '../lease-outcome';

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
  let plan: Plan;
  try {
    plan = planRollout(workflowType, request, estate);
  } catch (err) {
    if (err instanceof PlanningError) throw new CliError(`${file}: cannot plan: ${err.message}`, ExitCode.invalidInput);
    throw err;
  }
  refuseUnsafe(file, request, estate, plan);
  const target = plan.target;
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

type StartOpts = { at?: string; id?: string; json?: boolean };

/** The generated ID has a one-second grain, so two starts of the same request in one second share it. */
function generatedId(request: RolloutRequest): string {
  return `${request.app}-${request.toVersion}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
}

function idTaken(workflowId: string, chosen: boolean): CliError {
  const why = chosen ? `a workflow with ID ${workflowId} already exists; choose another --id` : `rollout ${workflowId} was started by another \`turnout start\` of this request in the same second; nothing was started`;
  return new CliError(why, ExitCode.conflict);
}

/** What `start` prints when the rollout holds its target (or, with --at, is scheduled to). */
function printStarted(out: { rolloutId: string; workflowType: string; target: string; url: string; startsAt?: string }, json: boolean | undefined): void {
  const at = out.startsAt ? ` at ${out.startsAt}` : '';
  process.stdout.write(json ? `${JSON.stringify(out)}\n` : `started ${out.workflowType} ${out.rolloutId} for ${out.target}${at}\n${out.url}\n`);
}

/**
 * Turns a lease outcome other than `claimed` into the CliError that says what happened.
 *
 * No worker (and no outcome within the limit) exits 1, not 0: "started" promises that the rollout
 * holds its target and runs, and this one holds nothing yet; another start may still take the
 * target before a worker runs it, and then it fails with TargetBusy. Nor is it 3: nothing conflicts
 * yet. The workflow is left as it is: it is recorded, and begins when a worker polls the queue.
 */
function notStarted(outcome: Exclude<LeaseOutcome, { kind: 'claimed' }>, id: string, target: string, taskQueue: string, url: string): CliError {
  const follow = `follow it with \`turnout status ${id}\` (${url})`;
  switch (outcome.kind) {
    case 'busy':
      return new CliError(`a rollout of ${target} is already running: ${outcome.owner ?? outcome.message}; ${id} stopped at once and touched nothing`, ExitCode.conflict);
    case 'failed': {
      const bad = outcome.type === failureTypes.invalidInput || outcome.type === failureTypes.planningRefused;
      return new CliError(`rollout ${id} failed at once: ${outcome.message}`, bad ? ExitCode.invalidInput : ExitCode.failure);
    }
    case 'no-worker':
      return new CliError(`rollout ${id} was started, but ${noWorkerSentence(taskQueue, true)}: it has not claimed ${target} or done anything. It begins when a worker polls that queue (\`turnout worker\`); ${follow}.`, ExitCode.failure);
    case 'undecided':
      return new CliError(`rollout ${id} was started, but it had not claimed ${target} within ${workerAnswerLimitMs / 1000} s (a worker polls "${taskQueue}" but has not run it yet). It may still begin, or stop if another rollout holds ${target}; ${follow}.`, ExitCode.failure);
  }
}

async function startRollout(client: Client, config: Config, startable: StartableRequest, opts: StartOpts, delay: number | undefined): Promise<void> {
  const { request, workflowType: type, target, input } = startable;
  const owner = await runningOwner(client, target);
  if (owner) throw new CliError(`a rollout of ${target} is already running: ${owner}; nothing was started`, ExitCode.conflict);
  const workflowId = opts.id ?? generatedId(request);
  let runId: string;
  try {
    const handle = await client.workflow.start(type, {
      taskQueue: config.taskQueue,
      workflowId,
      args: [input],
      memo: { ...rolloutMemo(request, target, opts.at ? new Date(opts.at) : undefined) },
      // The UI's Summary field, so the workflow list reads what each rollout does.
      staticSummary: `${type}: ${request.app} ${request.fromVersion} -> ${request.toVersion} on ${target}`,
      ...(delay ? { startDelay: delay } : {}),
      typedSearchAttributes: startSearchAttributes({ request, workflowType: type, target }, delay ? 'scheduled' : 'running'),
    });
    runId = handle.firstExecutionRunId;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw idTaken(workflowId, opts.id !== undefined);
    throw err;
  }
  const out = { rolloutId: workflowId, workflowType: type, target, url: uiLink(config, workflowId), ...(opts.at ? { startsAt: opts.at } : {}) };
  // A delayed start claims its target when it begins; there is nothing to judge until then.
  if (delay) return printStarted(out, opts.json);
  const outcome = await awaitLeaseOutcome(client, { workflowId, runId, target, taskQueue: config.taskQueue });
  if (outcome.kind !== 'claimed') throw notStarted(outcome, workflowId, target, config.taskQueue, out.url);
  printStarted(out, opts.json);
}

async function start(file: string, opts: StartOpts): Promise<void> {
  // Checked before connecting: a bad request is invalid input whether or not a server answers.
  const startable = await loadStartableRequest(file);
  const delay = startDelay(opts.at);
  await withClient((client, config) => startRollout(client, config, startable, opts, delay));
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
 * One read for --watch: a worker away for a while (a restart) does not end the watch; it is said
 * once on stderr, and the watch goes on. Undefined while nobody answers.
 */
async function readWhileWatching(client: Client, id: string, alreadySaid: boolean): Promise<RolloutStatus | undefined> {
  try {
    return await readRolloutStatus(client, id);
  } catch (err) {
    if (!(err instanceof StatusUnanswered)) throw err;
    if (!alreadySaid) process.stderr.write(`${err.message}; still watching\n`);
    await new Promise((r) => setTimeout(r, watchEveryMs));
    return undefined;
  }
}

/**
 * Redraws until the rollout ends. A TTY is redrawn in place every tick (the elapsed time moves);
 * anything else gets a new block, or a new NDJSON line, only when the status changed.
 */
async function watchStatus(client: Client, id: string, opts: { json?: boolean }): Promise<RolloutStatus> {
  let last = '';
  let unanswered = false;
  for (;;) {
    const s = await readWhileWatching(client, id, unanswered);
    unanswered = s === undefined;
    if (!s) continue;
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

type MessageOpts = MessageOptions & { json?: boolean };

/** Sends one message and prints what became of it. */
async function send<I>(id: string, msg: RolloutMessage<I>, json: boolean | undefined): Promise<void> {
  await withClient(async (client) => {
    const { status: s, inEffect } = await deliverMessage(client, id, msg);
    if (json) return void process.stdout.write(`${JSON.stringify(s ?? { rolloutId: id, accepted: true })}\n`);
    const now = s ? `${id} is ${s.state}` : `${id} did not answer a status query just now`;
    process.stdout.write(`${msg.command} accepted; ${now}${inEffect ? '' : ` (${msg.notYet})`}\n`);
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
    .option('--phase <gate>', 'the gate awaiting approval, or its phase (as status shows them)')
    .option('--comment <text>')
    .option('--json', 'print the new status as JSON')
    .action((id: string, o: MessageOpts) => send(id, approveMessage(o), o.json));
  program
    .command('rollback')
    .description('roll the rollout back now: routing first, then version N')
    .argument('<id>')
    .requiredOption('--by <name>', 'who asks')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print the new status as JSON')
    .action((id: string, o: MessageOpts) => send(id, rollbackMessage(o), o.json));
  program
    .command('pause')
    .description('hold the rollout at the next step boundary')
    .argument('<id>')
    .requiredOption('--by <name>', 'who asks')
    .option('--reason <text>')
    .option('--json', 'print the new status as JSON')
    .action((id: string, o: MessageOpts) => send(id, pauseMessage(o), o.json));
  program
    .command('resume')
    .description('continue a paused rollout')
    .argument('<id>')
    .requiredOption('--by <name>', 'who asks')
    .option('--json', 'print the new status as JSON')
    .action((id: string, o: MessageOpts) => send(id, resumeMessage(o), o.json));
  program
    .command('leave-as-is')
    .description('end a rollback that cannot finish, leaving what it has not restored as it is; on the record')
    .argument('<id>')
    .requiredOption('--by <name>', 'who decides')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print the final status as JSON')
    .action((id: string, o: MessageOpts) => send(id, leaveAsIsMessage(o), o.json));
}
