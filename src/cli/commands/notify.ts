/**
 * `turnout notify test REQUEST.json`: sends a sample of each event each target asked for, once
 * (no retries, so a broken receiver shows at once), and prints per target and event how it went.
 * It reads URLs and secrets from this process's environment, as the worker would from its own.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { approveCommandOf, notifyTargetsOf, whoCanApprove, workflowTypes, type Notification, type NotifyEvent, type RolloutRequest } from '../../model';
import { deliverNotification, rolloutLinks } from '../../drivers/notify/deliver';
import { loadConfig } from '../../config';
import { loadRequestFile } from '../request-input';
import { CliError, ExitCode } from '../exit-codes';

/** How one sample went to one target. */
export interface NotifyTestOutcome {
  target: string;
  event: NotifyEvent;
  deliveryId: string;
  ok: boolean;
  /** `HTTP 200`, or why it failed. */
  detail: string;
}

/** A sample notification of `event` for a rollout of `request`, named so nobody takes it for a real one. */
function sample(request: RolloutRequest, event: NotifyEvent, run: string): Notification {
  const id = `notify-test-${run}`;
  const gate = event === 'awaiting-approval' || event === 'approval-timeout-soon';
  return {
    deliveryId: `${id}/${event}`,
    event,
    at: new Date().toISOString(),
    message: `a test of turnout's notifications (${event}); no rollout is running`,
    rollout: { id, workflowType: request.procedure ?? workflowTypes.multiCellRollout, app: request.app, fromVersion: request.fromVersion, toVersion: request.toVersion, target: 'notify-test', state: 'running' },
    ...(gate ? { phase: 'sample-phase', gate: { name: 'sample-phase', question: 'Go on with the sample phase?' }, approveCommand: approveCommandOf(id, 'sample-phase') } : {}),
    approvers: whoCanApprove(request),
  };
}

function render(outcomes: NotifyTestOutcome[]): string {
  const width = Math.max(...outcomes.map((o) => o.target.length));
  return outcomes.map((o) => `${o.target.padEnd(width)}  ${o.event.padEnd(21)}  ${o.ok ? 'delivered' : 'FAILED'}  ${o.detail}`).join('\n');
}

/** Sends the samples; resolves to one outcome per target and event. */
export async function notifyTest(file: string, env: NodeJS.ProcessEnv = process.env): Promise<NotifyTestOutcome[]> {
  const { request, estate } = await loadRequestFile(file, env);
  const targets = notifyTargetsOf(request, estate);
  if (targets.length === 0) throw new CliError(`${file}: no notification targets: add $.notify (or notify in the estate)`, ExitCode.invalidInput);
  const run = randomUUID().slice(0, 8);
  const namespace = loadConfig(env).temporal.namespace;
  const outcomes: NotifyTestOutcome[] = [];
  for (const { label, target } of targets) {
    for (const event of target.events) {
      const n = sample(request, event, run);
      try {
        const status = await deliverNotification(target, n, rolloutLinks(n.rollout.id, namespace, env), env);
        outcomes.push({ target: label, event, deliveryId: n.deliveryId, ok: true, detail: `HTTP ${status}` });
      } catch (err) {
        outcomes.push({ target: label, event, deliveryId: n.deliveryId, ok: false, detail: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return outcomes;
}

/** Registers the command. */
export function register(program: Command): void {
  const notify = program.command('notify').description('notifications');
  notify
    .command('test')
    .description("send a sample of each event to the request's and estate's notification targets; prints how each went")
    .argument('<request>', 'the RolloutRequest JSON file')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const outcomes = await notifyTest(file);
      process.stdout.write(opts.json ? `${JSON.stringify(outcomes, null, 2)}\n` : `${render(outcomes)}\n`);
      if (outcomes.some((o) => !o.ok)) process.exitCode = ExitCode.failure;
    });
}
