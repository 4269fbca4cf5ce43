/**
 * What the edition rollout's tests share: the request, the members' PIDs and versions, and the
 * order of the audit events.
 */
import type { AuditEvent, Estate, RolloutStatus } from '../../src/model';
import { createLabAppServer } from '../../src/drivers/app-server/lab-app-server';
import { labRequest } from './rollout-harness';

/** The edition cluster's members in the lab estate. */
export const editionMembers = ['ServerE1', 'ServerE2', 'ServerE3', 'ServerE4', 'ServerE5', 'ServerE6'] as const;

/** An editionRollout request for the lab: 1.0 -> 2.0, no gates unless asked, quiesce limits of a few seconds. */
export function editionRequest(estate: Estate, edition: Record<string, unknown> = {}, over: Record<string, unknown> = {}): Record<string, unknown> {
  return labRequest(estate, {
    procedure: 'editionRollout',
    toVersion: '2.0',
    artifact: 'lab:2.0',
    approvals: { phases: [], timeoutSeconds: 3600, onTimeout: 'wait' },
    burnInSeconds: 1,
    edition: { routerQuiesceSeconds: 5, serverQuiesceSeconds: 5, ...edition },
    ...over,
  });
}

/** Each member's PID (null when stopped). */
export async function pidsOf(estate: Estate, members: readonly string[] = editionMembers): Promise<Record<string, number | null>> {
  const servers = await createLabAppServer(estate).servers();
  return Object.fromEntries(members.map((m) => [m, servers.find((s) => s.name === m)?.pid ?? null]));
}

/** The version each member answers with, asked directly (null when it does not answer). */
export async function versionsOf(estate: Estate, members: readonly string[] = editionMembers): Promise<Record<string, string | null>> {
  const probes = await createLabAppServer(estate).probe(members);
  return Object.fromEntries(probes.map((p) => [p.name, p.answering ? p.version : null]));
}

/** The index of the first event of `type` (and step, if given) in the audit trail; -1 when absent. */
export function eventIndex(status: RolloutStatus, type: string, stepId?: string): number {
  return status.events.findIndex((e: AuditEvent) => e.type === type && (stepId === undefined || e.stepId === stepId));
}

/** How many times each step started: a step repeated after a crash shows twice. */
export function stepStarts(status: RolloutStatus): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of status.events) if (e.type === 'step-started' && e.stepId) out[e.stepId] = (out[e.stepId] ?? 0) + 1;
  return out;
}
