/**
 * Requests that would silently remove a safeguard (a gate, a drain, a window, a rollback) are
 * refused before anything starts, each problem by JSON path. The CLI (`plan`, `start`, `schedule`)
 * and the workflow (when started from the UI or a client) ask the same two questions, so a request
 * is refused the same way wherever it comes from. Pure: the instant is an argument.
 */
import { DateTime } from 'luxon';
import type { Estate, InputProblem, Plan, RolloutRequest } from '../model';
import { approverProblems } from './approvers';
import { PlanningError } from './planning-error';
import { sharedAliasProblems, sharedEndpointProblems, sharedFileProblems } from './shared-endpoints';
import { controlCharacterProblems } from './unsafe-text';
import { windowState } from './windows';

/** Problems in the request alone: asked before its estate is even read. */
export function requestSafeguardProblems(request: RolloutRequest): InputProblem[] {
  // The estate is asked with the plan, once it is read (a named one is read by the worker).
  const problems = controlCharacterProblems({ ...request, estate: undefined });
  if (request.approvals.fourEyes && request.startedBy === undefined) {
    problems.push({ path: '$.startedBy', message: 'four-eyes approval compares each approver with whoever started the rollout: say who starts it (startedBy)' });
  }
  // A drain that may not wait and then goes on is no drain: the servers are cut with their sessions on them.
  if (request.drain.maxWaitSeconds === 0 && request.drain.onTimeout === 'proceed') {
    problems.push({ path: '$.drain.maxWaitSeconds', message: 'a drain that waits 0 s and then proceeds ends every session it should wait for: wait longer, or set onTimeout to approve or fail' });
  }
  (request.windows?.blackoutDates ?? []).forEach((date, i) => {
    if (!DateTime.fromISO(date, { zone: 'utc' }).isValid) problems.push({ path: `$.windows.blackoutDates[${i}]`, message: `${date} is not a calendar date, so it would black out nothing` });
  });
  return problems;
}

function phasesOf(plan: Plan): string[] {
  return [...new Set(plan.steps.map((s) => s.phase))];
}

/** Phases with an approval gate: the only ones `approvals.phases` can name. */
function gatedPhases(plan: Plan): string[] {
  return plan.steps.flatMap((s) => (s.kind === 'approval' ? [s.phase] : []));
}

function phaseProblems(request: RolloutRequest, plan: Plan): InputProblem[] {
  const gated = gatedPhases(plan);
  return request.approvals.phases.flatMap((phase, i) => {
    if (phase === '*' || gated.includes(phase)) return [];
    const path = `$.approvals.phases[${i}]`;
    const withGates = gated.length > 0 ? `phases with an approval gate: ${gated.join(', ')}` : 'this plan has no approval gate';
    if (phasesOf(plan).includes(phase)) return [{ path, message: `phase ${phase} has no approval gate, so nobody would be asked; ${withGates}` }];
    return [{ path, message: `the plan has no phase ${phase}; its phases are ${phasesOf(plan).join(', ')} (${withGates})` }];
  });
}

/**
 * Four-eyes or an approvers list with no gate a person can ever be asked at: the request reads as
 * guarded and is not. A drain that times out into an approval is such a gate.
 */
function noGateProblems(request: RolloutRequest, plan: Plan): InputProblem[] {
  const manual = plan.steps.some((s) => s.kind === 'approval' && s.gate === 'manual');
  const drainGate = request.drain.onTimeout === 'approve' && plan.steps.some((s) => s.kind === 'drain');
  if (manual || drainGate) return [];
  const asks = [request.approvals.fourEyes && '$.approvals.fourEyes', request.approvals.approvers && '$.approvals.approvers'].filter((p): p is string => typeof p === 'string');
  return asks.map((path) => ({ path, message: 'no step of this plan asks a person for approval (approvals.phases names no gate), so this would check nobody' }));
}

function windowProblems(request: RolloutRequest, now: Date): InputProblem[] {
  if (!request.windows) return [];
  try {
    windowState(request.windows, now);
    return [];
  } catch (err) {
    if (!(err instanceof PlanningError)) throw err;
    return [{ path: '$.windows', message: err.message.replace(/^\$\.windows: /, '') }];
  }
}

/** Problems of the request against its estate and plan, at `now`; the estate's point under `$.estate`, inline or named. */
export function planSafeguardProblems(request: RolloutRequest, estate: Estate, plan: Plan, now: Date): InputProblem[] {
  return [
    ...controlCharacterProblems(estate, ['estate']),
    ...sharedEndpointProblems(estate, '$.estate'),
    ...sharedAliasProblems(estate, '$.estate'),
    ...sharedFileProblems(estate, '$.estate'),
    ...phaseProblems(request, plan),
    ...approverProblems(request, estate),
    ...noGateProblems(request, plan),
    ...windowProblems(request, now),
  ];
}

/** Both questions at once, for the CLI, which has the estate and the plan before it starts anything. */
export function safeguardProblems(request: RolloutRequest, estate: Estate, plan: Plan, now: Date): InputProblem[] {
  return [...requestSafeguardProblems(request), ...planSafeguardProblems(request, estate, plan, now)];
}
