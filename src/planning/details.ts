/**
 * The Temporal UI's Current details for a rollout, as Markdown: the steps and their state, what the
 * rollout waits for, live sessions while draining, and the exact commands to approve or roll back.
 * Pure, so the workflow renders it on every change.
 */
import type { RolloutStatus } from '../model';
import { formatInstant } from './windows';

const icons: Record<string, string> = { pending: '·', running: '▶', done: '✓', failed: '✗', skipped: '–', undone: '↺' };

function waitingFor(status: RolloutStatus): string[] {
  const id = status.rolloutId;
  const lines: string[] = [];
  if (status.pendingApproval) {
    const { phase, timeoutAt } = status.pendingApproval;
    lines.push(
      `**Waiting for approval of \`${phase}\`**${timeoutAt ? ` (until ${timeoutAt})` : ''}`,
      '',
      `- CLI: \`turnout approve ${id} --by <you> --phase ${phase}\``,
      `- UI: Signal \`approve\` with \`{"by": "<you>", "phase": "${phase}"}\``,
    );
  }
  if (status.drain) {
    const what = status.drain.measure === 'connections' ? 'ORB connections' : 'live sessions';
    lines.push(`**${status.drain.measure === 'connections' ? 'Waiting for quiet ORB connections' : 'Draining'}** until ${status.drain.deadline}`, '', `| server | ${what} |`, '|---|---|');
    lines.push(...status.drain.servers.map((s) => `| ${s.name} | ${s.sessions} |`));
  }
  if (status.window?.opensAt) {
    const { opensAt, timeZone } = status.window;
    lines.push(`**Waiting for the off-peak window opening ${timeZone ? formatInstant(opensAt, timeZone) : opensAt}**`);
  }
  if (status.state === 'paused') lines.push(`**Paused.** Resume: \`turnout resume ${id} --by <you>\` or Signal \`resume\` with \`{"by": "<you>"}\``);
  return lines;
}

/** Renders Current details for the Temporal UI. */
export function renderCurrentDetails(status: RolloutStatus): string {
  const id = status.rolloutId;
  const ended = ['succeeded', 'failed', 'rolled-back'].includes(status.state);
  const out = [
    `### ${status.app} ${status.fromVersion} → ${status.toVersion} on ${status.target}: **${status.state}**`,
    ...(status.reason ? ['', `Reason: ${status.reason}`] : []),
    '',
    ...waitingFor(status),
    '',
    '| | step | started | ended |',
    '|---|---|---|---|',
    ...status.steps.map((s) => `| ${icons[s.status] ?? s.status} | ${s.title} | ${s.startedAt ?? ''} | ${s.endedAt ?? ''} |`),
  ];
  if (!ended && status.state !== 'rolling-back') {
    out.push('', `Roll back at any moment: \`turnout rollback ${id} --by <you> --reason "<why>"\`, or Signal \`rollback\` with \`{"by": "<you>", "reason": "<why>"}\``);
  }
  return out.join('\n');
}
