/**
 * Who may approve a rollout: the request's `approvals.approvers`, names and `group:<name>` entries
 * resolved against the estate's `approverGroups`. Pure, so the workflow resolves it too.
 */
import type { Estate, InputProblem, RolloutRequest } from '../model';

/** The prefix of an approvers entry that names a group of the estate rather than a person. */
export const approverGroupPrefix = 'group:';

/** Problems with `approvals.approvers`: each group it names must be one the estate declares. */
export function approverProblems(request: RolloutRequest, estate: Estate): InputProblem[] {
  const groups = Object.keys(estate.approverGroups ?? {});
  return (request.approvals.approvers ?? []).flatMap((entry, i) => {
    if (!entry.startsWith(approverGroupPrefix)) return [];
    const group = entry.slice(approverGroupPrefix.length);
    if (groups.includes(group)) return [];
    const known = groups.length > 0 ? `its groups are ${groups.join(', ')}` : 'it declares none (approverGroups)';
    return [{ path: `$.approvals.approvers[${i}]`, message: `the estate has no approver group ${group}; ${known}` }];
  });
}

/**
 * The people who may approve, groups expanded; undefined when the request names none (anyone may).
 * A group the estate does not declare adds nobody (validation refuses it before a rollout starts).
 */
export function resolveApprovers(request: RolloutRequest, estate: Estate): string[] | undefined {
  const entries = request.approvals.approvers;
  if (!entries) return undefined;
  const people = entries.flatMap((entry) =>
    entry.startsWith(approverGroupPrefix) ? (estate.approverGroups?.[entry.slice(approverGroupPrefix.length)] ?? []) : [entry],
  );
  return [...new Set(people)];
}
