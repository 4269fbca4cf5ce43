/**
 * The Temporal UI's Current details for a rollout, as Markdown: the steps and their state, what the
 * rollout waits for, live sessions while draining, and the exact commands to approve or roll back.
 * Pure, so the workflow renders it on every change.
 */
import { isFinal, type RolloutStatus } from '../model';
import { drainMarkdown } from './drain-view';
import { formatDuration } from './edition-estimate';
import { clock, clockTime, lastRefusal, markdownText, recentEvents, stepTime } from './status-view';
import { formatInstant } from './windows';

const icons: Record<string, string> = { pending: '·', running: '▶', done: '✓', failed: '✗', skipped: '–', undone: '↶' };

/** When a rollback undid the step (issue 16). */
const undoneNote = (s: { undoneAt?: string }): string => (s.undoneAt ? ` ↶ undone ${clockTime(s.undoneAt, 'utc')}` : '');

function approvalLines(status: RolloutStatus): string[] {
  const p = status.pendingApproval;
  if (!p) return [];
  const gate = p.gate ?? p.phase;
  const what = gate === p.phase ? `\`${gate}\`` : `\`${gate}\` (phase \`${p.phase}\`)`;
  return [
    `**Waiting for approval of ${what}**${p.timeoutAt ? ` (until ${p.timeoutAt})` : ''}`,
    ...(p.question ? ['', p.question] : []),
    '',
    `- CLI: \`turnout approve ${status.rolloutId} --by <you> --phase ${gate}\``,
    `- UI: Signal \`approve\` with \`{"by": "<you>", "phase": "${gate}"}\``,
  ];
}

/** Why the last message was refused, until a message is accepted: Send a Signal closes as if it worked. */
function refusalLines(status: RolloutStatus): string[] {
  const r = lastRefusal(status.events);
  if (!r || isFinal(status.state)) return [];
  return ['', `**Your last message was refused** (${clockTime(r.at, 'utc')}, from ${markdownText(r.by)}): ${markdownText(r.message)}. Nothing changed; send it again, corrected.`];
}

/** The last few events, refusals first and marked, so a refused signal is seen where people look. */
function recentEventLines(status: RolloutStatus): string[] {
  const recent = recentEvents(status.events);
  if (recent.length === 0) return [];
  return [
    '',
    '**Recent events** (times in UTC)',
    '',
    ...recent.map(({ event: e, refused }) => `- ${refused ? '⚠ **refused** ' : ''}${clock(e.at, 'utc')} ${markdownText(e.by)}, ${e.type}: ${markdownText(e.message)}`),
  ];
}

function rollbackLines(status: RolloutStatus): string[] {
  const r = status.rollback;
  if (!r) return [];
  const id = status.rolloutId;
  const lines = r.route.length > 0 ? ['**Rollback route**', '', ...r.route.map((line, i) => `${i + 1}. ${line}`)] : [];
  if (r.blocked) {
    const b = r.blocked;
    lines.push('', `**rollback blocked: ${b.reason}; retrying every ${b.retryEverySeconds}s** (step \`${b.stepId}\`, attempt ${b.attempts}, since ${b.since})`);
    lines.push('', `Pause it: \`turnout pause ${id} --by <you>\`. End it where it stands, on the record: \`turnout leave-as-is ${id} --by <you> --reason "<why>"\`, or Signal \`leaveAsIs\` with \`{"by": "<you>", "reason": "<why>"}\``);
  }
  if (r.leftAsIs) lines.push('', `**Left as is** by ${r.leftAsIs.by} at ${r.leftAsIs.at}: ${r.leftAsIs.reason}`);
  return lines;
}

/** GlassFish family: each instance's versions; the cluster counts as enabled for a version any instance enables (seed 001). */
function instanceLines(instances: NonNullable<RolloutStatus['instances']>): string[] {
  const enabled = [...new Set(instances.flatMap((i) => i.enabled))];
  return [
    '',
    '**Instances**',
    '',
    '| instance | enabled | answers |',
    '|---|---|---|',
    ...instances.map((i) => `| ${i.name} | ${i.enabled.join(', ') || 'none'} | ${i.serving ?? 'nothing'} |`),
    '',
    `Cluster: enabled for ${enabled.join(', ') || 'no version'} (a version counts as enabled on the cluster while any instance enables it).`,
  ];
}

/** Files someone else rewrote: where, the routing change, and the bounded diff. */
function foreignWriteLines(status: RolloutStatus): string[] {
  const w = status.foreignWrite;
  if (!w) return [];
  const lines = ['', `**Someone else rewrote a file turnout manages** (noticed ${w.noticedAt}). The rollout stops at the next step boundary until a person approves the change (it is kept, on top of turnout's file) or rolls back (every file gets its starting bytes back).`];
  for (const f of w.files) {
    lines.push('', `- ${f.file} on ${f.hosts.join(', ')}: turnout wrote sha256 \`${f.expectedSha256.slice(0, 12)}\`, found ${f.foundSha256 ? `\`${f.foundSha256.slice(0, 12)}\`` : 'no file'}`);
    if (f.routing) lines.push(...f.routing.split('\n').map((l) => `  - ${l}`));
    lines.push('', '~~~diff', f.diff, '~~~');
  }
  return lines;
}

function waitingFor(status: RolloutStatus): string[] {
  const id = status.rolloutId;
  const lines: string[] = [...approvalLines(status), ...refusalLines(status), ...foreignWriteLines(status)];
  if (status.drain) lines.push(...drainMarkdown(status.drain, 'utc'));
  if (status.deadServers?.length) lines.push('', '**Servers that should run the new version and do not answer with it**', '', ...status.deadServers.map((d) => `- ${d.name}: ${d.problem}`));
  if (status.attention?.length) lines.push('', '**Members set aside: they failed to take the new edition after the first group, take no new sessions and need a person**', '', ...status.attention.map((a) => `- ${a.name}: ${a.problem}`));
  if (status.instances?.length) lines.push(...instanceLines(status.instances));
  if (status.window?.opensAt) {
    const { opensAt, timeZone } = status.window;
    lines.push(`**Waiting for the off-peak window opening ${timeZone ? formatInstant(opensAt, timeZone) : opensAt}**`);
  }
  if (status.state === 'paused') lines.push(`**Paused.** Resume: \`turnout resume ${id} --by <you>\` or Signal \`resume\` with \`{"by": "<you>"}\``);
  lines.push(...rollbackLines(status));
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
    '| | step | time (UTC) |',
    '|---|---|---|',
    ...status.steps.map((s) => `| ${icons[s.status] ?? s.status} | ${s.title}${undoneNote(s)} | ${stepTime(s, 'utc')} |`),
  ];
  const d = status.duration;
  if (d) out.push('', `Duration: estimated ${formatDuration(d.turnoutEstimateSeconds)} by turnout, ${formatDuration(d.seedEstimateSeconds)} by seed 003's formula${d.actualSeconds === undefined ? '' : `; actual ${formatDuration(d.actualSeconds)}`}`);
  if (!ended && status.state !== 'rolling-back') {
    out.push('', `Roll back at any moment: \`turnout rollback ${id} --by <you> --reason "<why>"\`, or Signal \`rollback\` with \`{"by": "<you>", "reason": "<why>"}\``);
  }
  out.push(...recentEventLines(status));
  return out.join('\n');
}
