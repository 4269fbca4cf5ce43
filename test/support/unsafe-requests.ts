/**
 * Requests that would silently remove a safeguard, each with the JSON path its refusal must name:
 * one corpus for the planner's unit tests, `turnout plan`, `turnout start`, and the workflow
 * started directly with the client.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One refused request: how it is made from a good one, and where its refusal points. */
export interface UnsafeCase {
  name: string;
  change(request: Json): void;
  path: string;
  /** A part of the message, when the path alone does not say enough. */
  says?: string;
}

/** A good multi-cell request with its estate inline, so that a workflow needs no activity to read it. */
export function safeRequest(): Json {
  const estate = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'estates', 'lab-multi-cell.json'), 'utf8'));
  return { procedure: 'multiCellRollout', app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate, startedBy: 'release-bot', burnInSeconds: 0 };
}

/** Every Monday from `from` for `days` days, as YYYY-MM-DD. */
function mondays(from: Date, days: number): string[] {
  const out: string[] = [];
  for (let d = 0; d <= days; d++) {
    const day = new Date(from.getTime() + d * 86_400_000);
    if (day.getUTCDay() === 1) out.push(day.toISOString().slice(0, 10));
  }
  return out;
}

const server = (r: Json, cell: number, i: number): Json => r.estate.cells[cell].clusters[0].servers[i];

/** The corpus. */
export const unsafeCases: UnsafeCase[] = [
  { name: 'a phase the plan does not have', change: (r) => (r.approvals = { phases: ['cell-Q'] }), path: '$.approvals.phases[0]', says: 'its phases are cell-X, cell-Y' },
  { name: 'a phase without an approval gate', change: (r) => (r.approvals = { phases: ['cell-X'] }), path: '$.approvals.phases[0]', says: 'phase cell-X has no approval gate' },
  { name: 'two servers on one host and port', change: (r) => (server(r, 1, 0).port = server(r, 0, 0).port), path: '$.estate.cells[1].clusters[0].servers[0].port', says: 'as server ServerX1 does' },
  { name: 'the sprayer on a server port', change: (r) => (r.estate.sprayer.listen = { host: 'localhost', port: server(r, 0, 1).port }), path: '$.estate.sprayer.listen' },
  { name: 'a test virtual host alias production also matches', change: (r) => (r.estate.virtualHosts.test.aliases[1] = { host: '127.0.0.1', port: 8201 }), path: '$.estate.virtualHosts.test.aliases[1]', says: "prod_vhost's alias *:8201" },
  { name: 'a newline in the app name', change: (r) => (r.app = 'userHit\nCount'), path: '$.app', says: 'U+000A' },
  { name: 'a NUL in startedBy', change: (r) => (r.startedBy = 'release-bot\u0000'), path: '$.startedBy', says: 'U+0000' },
  { name: 'a control character in an estate node name', change: (r) => (r.estate.nodes = [{ name: 'node1\u001b[2K', memoryMb: 4096 }]), path: '$.estate.nodes[0].name' },
  {
    name: 'windows that blackout dates keep shut for 400 days',
    change: (r) => (r.windows = { timeZone: 'UTC', windows: [{ days: ['MON'], start: '01:00', end: '02:00' }], blackoutDates: mondays(new Date(Date.now() - 86_400_000), 410) }),
    path: '$.windows',
    says: 'no off-peak window opens within 400 days',
  },
  { name: 'a blackout date that is no date', change: (r) => (r.windows = { timeZone: 'UTC', windows: [{ days: ['MON'], start: '01:00', end: '02:00' }], blackoutDates: ['2026-02-30'] }), path: '$.windows.blackoutDates[0]' },
  { name: 'four-eyes without startedBy', change: (r) => ((r.approvals = { fourEyes: true }), delete r.startedBy), path: '$.startedBy' },
  { name: 'four-eyes with no gate to apply to', change: (r) => ((r.approvals = { phases: [], fourEyes: true }), (r.drain = { onTimeout: 'fail' })), path: '$.approvals.fourEyes' },
  { name: 'a drain that waits 0 s and proceeds', change: (r) => (r.drain = { maxWaitSeconds: 0, onTimeout: 'proceed' }), path: '$.drain.maxWaitSeconds' },
  { name: 'an approver group the estate does not declare', change: (r) => (r.approvals = { approvers: ['alice', 'group:release'] }), path: '$.approvals.approvers[1]', says: 'no approver group release' },
];

/** The unsafe request of `c`. */
export function unsafeRequest(c: UnsafeCase): Json {
  const r = safeRequest();
  c.change(r);
  return r;
}
