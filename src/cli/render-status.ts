/** RolloutStatus for the terminal: compact, one line per step. */
import { isFinal, type RolloutStatus } from '../model';
import { drainText } from '../planning/drain-view';
import { formatDuration } from '../planning/edition-estimate';
import { clockTime, lastRefusal, stepTime } from '../planning/status-view';
import { formatInstant } from '../planning/windows';

const marks: Record<string, string> = { pending: ' ', running: '>', done: 'x', failed: '!', skipped: '-', undone: '<' };

/** How a block is drawn: `now` adds the elapsed time to the header; `events` shows the last few audit events. */
export interface RenderOptions {
  now?: Date;
  events?: number;
}

function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(total / 3600)}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`;
}

/** Time since the rollout started, up to its last event once it has ended. */
function elapsed(s: RolloutStatus, now: Date): string | undefined {
  const first = s.events[0]?.at;
  if (!first) return undefined;
  const end = isFinal(s.state) ? (s.events.at(-1)?.at ?? first) : now.toISOString();
  return clock(Date.parse(end) - Date.parse(first));
}

function header(s: RolloutStatus, opts: RenderOptions): string[] {
  const took = opts.now ? elapsed(s, opts.now) : undefined;
  return [
    `${s.rolloutId}  ${s.workflowType}  ${s.app} ${s.fromVersion} -> ${s.toVersion}  on ${s.target}`,
    `state: ${s.state}${took ? `  elapsed ${took}` : ''}${s.reason ? `  (${s.reason})` : ''}`,
  ];
}

/** What the rollout waits for, with the exact command that moves it on. */
function waitingFor(s: RolloutStatus): string[] {
  const lines: string[] = [];
  const refused = isFinal(s.state) ? undefined : lastRefusal(s.events);
  if (refused) lines.push(`your last message was refused (${clockTime(refused.at, 'local')}, from ${refused.by}): ${refused.message}`);
  if (s.state === 'scheduled') lines.push(`scheduled: starts at ${s.startsAt ?? 'a later time'}; until then no query can answer`);
  if (s.pendingApproval) {
    const { phase, since, timeoutAt } = s.pendingApproval;
    const gate = s.pendingApproval.gate ?? phase;
    lines.push(`awaiting approval of ${gate === phase ? phase : `${gate} (phase ${phase})`} since ${since}${timeoutAt ? ` (times out at ${timeoutAt})` : ''}`, `  turnout approve ${s.rolloutId} --by <you> --phase ${gate}`);
    if (s.pendingApproval.question) lines.push(`  ${s.pendingApproval.question}`);
  }
  for (const f of s.foreignWrite?.files ?? []) {
    lines.push(`foreign write (noticed ${s.foreignWrite?.noticedAt}): ${f.file} on ${f.hosts.join(', ')} is not the file turnout wrote (sha256 ${f.expectedSha256.slice(0, 12)}, found ${f.foundSha256?.slice(0, 12) ?? 'none'})`);
    if (f.routing) lines.push(...f.routing.split('\n').map((l) => `  ${l}`));
    lines.push(...f.diff.split('\n').map((l) => `  ${l}`));
  }
  if (s.window?.opensAt) lines.push(`waiting for the off-peak window opening ${s.window.timeZone ? formatInstant(s.window.opensAt, s.window.timeZone) : s.window.opensAt}`);
  if (s.drain) lines.push(...drainText(s.drain));
  for (const i of s.instances ?? []) lines.push(`instance ${i.name}: enabled ${i.enabled.join(', ') || 'none'}, answers ${i.serving ?? 'nothing'} (read ${i.at})`);
  for (const a of s.attention ?? []) lines.push(`needs a person (set aside, no new sessions): ${a.name}: ${a.problem}`);
  if (s.duration) lines.push(`duration: estimate ${formatDuration(s.duration.turnoutEstimateSeconds)} (turnout), ${formatDuration(s.duration.seedEstimateSeconds)} (seed 003's formula)${s.duration.actualSeconds === undefined ? '' : `, actual ${formatDuration(s.duration.actualSeconds)}`}`);
  for (const d of s.deadServers ?? []) lines.push(`not answering with ${s.toVersion}: ${d.name}: ${d.problem}`);
  if (s.state === 'paused') lines.push(`paused: turnout resume ${s.rolloutId} --by <you>`);
  const blocked = s.rollback?.blocked;
  if (blocked) lines.push(`rollback blocked: ${blocked.reason}; retrying every ${blocked.retryEverySeconds}s (${blocked.stepId}, attempt ${blocked.attempts})`, `  turnout pause ${s.rolloutId} --by <you>   or   turnout leave-as-is ${s.rolloutId} --by <you> --reason <why>`);
  if (s.rollback?.leftAsIs) lines.push(`rollback left as is by ${s.rollback.leftAsIs.by}: ${s.rollback.leftAsIs.reason}`);
  for (const n of (s.notifications ?? []).filter((d) => d.state === 'failed')) lines.push(`notification not delivered: ${n.event} to ${n.target} (${n.deliveryId}): ${n.error ?? 'unknown'}`);
  return lines;
}

function steps(s: RolloutStatus): string[] {
  return s.steps.map((step) => {
    const times = [stepTime(step, 'local'), step.undoneAt ? `undone ${clockTime(step.undoneAt, 'local')}` : ''].filter(Boolean).join(', ');
    return `  [${marks[step.status] ?? '?'}] ${step.title}${times ? `  (${times})` : ''}${step.id === s.currentStep && !isFinal(s.state) ? '   <- now' : ''}`;
  });
}

function approvals(s: RolloutStatus): string[] {
  return s.approvals.map((a) => `approved ${a.phase} by ${a.by} at ${a.at}${a.comment ? `: ${a.comment}` : ''}`);
}

function recentEvents(s: RolloutStatus, count: number): string[] {
  if (count <= 0 || s.events.length === 0) return [];
  return ['recent:', ...s.events.slice(-count).map((e) => `  ${e.at}  ${e.by} ${e.type}: ${e.message}`)];
}

/**
 * Renders a status as a person reads it in a terminal: header, what it waits for, the steps (the
 * current one marked), approvals with who, when and the comment, and optionally recent events.
 */
export function renderStatus(s: RolloutStatus, opts: RenderOptions = {}): string {
  const lines = [...header(s, opts), ...waitingFor(s), ...steps(s), ...approvals(s), ...recentEvents(s, opts.events ?? 0)];
  return `${lines.join('\n')}\n`;
}
