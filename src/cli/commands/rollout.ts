/**
 * The rollout commands: `start`, `status`, and the messages `approve`, `rollback`, `pause`,
 * `resume` (sent as updates, so a refused message says why and exits 3).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { isFinal, workflowTypes, type RolloutStatus } from '../../model';
import { planRollout, PlanningError } from '../../planning';
import { approvePhaseUpdate, pauseRolloutUpdate, requestRollbackUpdate, resumeRolloutUpdate, statusQuery } from '../../../workflows/messages';
import { rolloutSearchAttributes } from '../../../workflows/search-attributes';
import { targetLeaseId } from '../../../workflows/target-lease';
import { CliError, ExitCode } from '../exit-codes';
import { renderStatus } from '../render-status';
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

async function start(file: string, opts: { at?: string; id?: string; json?: boolean }): Promise<void> {
  const { request, estate } = await loadRequestFile(file);
  const type = request.procedure ?? workflowTypes.multiCellRollout;
  let target: string;
  try {
    target = planRollout(type, request, estate).target;
  } catch (err) {
    if (err instanceof PlanningError) throw new CliError(`${file}: cannot plan: ${err.message}`, ExitCode.invalidInput);
    throw err;
  }
  const delay = startDelay(opts.at);
  // The raw JSON goes to the workflow: a named estate is resolved by the worker, from its own folder.
  const input: unknown = JSON.parse(await readFile(file, 'utf8'));
  await withClient(async (client, config) => {
    const owner = await runningOwner(client, target);
    if (owner) throw new CliError(`a rollout of ${target} is already running: ${owner}; nothing was started`, ExitCode.conflict);
    const workflowId = opts.id ?? `${request.app}-${request.toVersion}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
    try {
      await client.workflow.start(type, {
        taskQueue: config.taskQueue,
        workflowId,
        args: [input],
        ...(delay ? { startDelay: delay } : {}),
        typedSearchAttributes: [
          { key: rolloutSearchAttributes.app, value: request.app },
          { key: rolloutSearchAttributes.target, value: target },
          { key: rolloutSearchAttributes.strategy, value: type },
          { key: rolloutSearchAttributes.state, value: delay ? 'scheduled' : 'running' },
        ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new CliError(`a workflow with ID ${workflowId} already exists; choose another --id`, ExitCode.conflict);
      throw err;
    }
    const out = { rolloutId: workflowId, workflowType: type, target, url: uiLink(config, workflowId), ...(opts.at ? { startsAt: opts.at } : {}) };
    process.stdout.write(opts.json ? `${JSON.stringify(out)}\n` : `started ${type} ${workflowId} for ${target}${opts.at ? ` at ${opts.at}` : ''}\n${out.url}\n`);
  });
}

async function readStatus(handle: WorkflowHandle): Promise<RolloutStatus> {
  return handle.query(statusQuery);
}

async function status(id: string, opts: { json?: boolean; watch?: boolean }): Promise<void> {
  await withClient(async (client) => {
    const handle = client.workflow.getHandle(id);
    for (;;) {
      const s = await readStatus(handle);
      if (opts.json) process.stdout.write(`${JSON.stringify(s)}\n`);
      else process.stdout.write(`${opts.watch && process.stdout.isTTY ? '\x1b[2J\x1b[H' : ''}${renderStatus(s)}`);
      if (!opts.watch || isFinal(s.state)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
}

type MessageOpts = { by: string; phase?: string; comment?: string; reason?: string; json?: boolean };

async function sendUpdate(id: string, name: string, send: (h: WorkflowHandle) => Promise<RolloutStatus>, json: boolean | undefined): Promise<void> {
  await withClient(async (client) => {
    let s: RolloutStatus;
    try {
      s = await send(client.workflow.getHandle(id));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new CliError(`${name} refused: ${err.cause?.message ?? err.message}`, ExitCode.conflict);
      if ((err as Error).name === 'WorkflowNotFoundError' || /workflow execution already completed/i.test((err as Error).message)) {
        throw new CliError(`${name} refused: rollout ${id} has ended or does not exist`, ExitCode.conflict);
      }
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
  program.command('status').description('show a rollout').argument('<id>').option('--json', 'print JSON').option('--watch', 'redraw until the rollout ends').action(status);
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
