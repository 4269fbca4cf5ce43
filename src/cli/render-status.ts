/** RolloutStatus for the terminal: compact, one line per step. */
import type { RolloutStatus } from '../model';
import { formatInstant } from '../planning/windows';

const marks: Record<string, string> = { pending: ' ', running: '>', done: 'x', failed: '!', skipped: '-', undone: '<' };

/** Renders a status as a person reads it in a terminal. */
export function renderStatus(s: RolloutStatus): string {
  const lines = [`${s.rolloutId}  ${s.workflowType}  ${s.app} ${s.fromVersion} -> ${s.toVersion}  on ${s.target}`, `state: ${s.state}${s.reason ? ` (${s.reason})` : ''}`];
  if (s.pendingApproval) lines.push(`awaiting approval of ${s.pendingApproval.phase} since ${s.pendingApproval.since}: turnout approve ${s.rolloutId} --by <you> --phase ${s.pendingApproval.phase}`);
  if (s.drain) lines.push(`draining until ${s.drain.deadline}: ${s.drain.servers.map((x) => `${x.name}=${x.sessions}`).join(' ')}`);
  if (s.window?.opensAt) lines.push(`waiting for the off-peak window opening ${s.window.timeZone ? formatInstant(s.window.opensAt, s.window.timeZone) : s.window.opensAt}`);
  lines.push(...s.steps.map((step) => `  [${marks[step.status] ?? '?'}] ${step.title}`));
  if (s.approvals.length > 0) lines.push(`approvals: ${s.approvals.map((a) => `${a.phase} by ${a.by} at ${a.at}${a.comment ? ` (${a.comment})` : ''}`).join('; ')}`);
  return `${lines.join('\n')}\n`;
}
