/**
 * Which gate an approval answers, decided in one place for the signal and the update alike: an
 * update's validator refuses exactly what the signal would record as refused, so the CLI never
 * reports "accepted" for an approval the rollout did not take.
 */
import type { Plan, RolloutStatus } from '../src/model';
import { isFinal } from '../src/model/status';
import { approveInputSchema, type ApproveInput } from './messages';
import { readInput } from './message-input';

/** An approval the rollout takes, and the key its gate looks it up by (a gate name or a phase). */
export type ApprovalDecision = { ok: true; key: string; approval: ApproveInput } | { ok: false; by: string; reason: string };

/** What the decision reads of the rollout. */
export interface ApprovalState {
  status: RolloutStatus;
  plan: Plan | undefined;
  startedBy: string | undefined;
  fourEyes: boolean;
  /** Who may approve (the request's approvers, groups expanded); anyone when undefined. */
  approvers?: readonly string[] | undefined;
  rollingBack: boolean;
  /**
   * Approvals taken and not yet used by their gates, by key: those sent ahead of a gate (by phase),
   * and one that arrived for the gate now waiting, in the same workflow task as this input.
   */
  approvedAhead: ReadonlyMap<string, ApproveInput>;
}

const refuse = (by: string, reason: string): ApprovalDecision => ({ ok: false, by, reason });

/** Phases whose manual gate has not been passed yet: the only ones an approval may be sent ahead for. */
function gatesAhead(state: ApprovalState): string[] {
  const pending = new Set(state.status.steps.filter((s) => s.status === 'pending').map((s) => s.id));
  return (state.plan?.steps ?? []).filter((s) => s.kind === 'approval' && s.gate === 'manual' && pending.has(s.id)).map((s) => s.phase);
}

function decideAhead(state: ApprovalState, a: ApproveInput): ApprovalDecision {
  if (!a.phase) return refuse(a.by, `nothing is awaiting approval (state: ${state.status.state}) and no phase was named`);
  const phases = [...new Set((state.plan?.steps ?? []).map((s) => s.phase))];
  if (!phases.includes(a.phase)) return refuse(a.by, `the plan has no phase ${a.phase}; its phases are ${phases.join(', ')}`);
  const ahead = gatesAhead(state);
  if (!ahead.includes(a.phase)) return refuse(a.by, `nothing is awaiting approval (state: ${state.status.state}), and phase ${a.phase} has no approval gate ahead${ahead.length ? `; gates ahead: ${ahead.join(', ')}` : ''}`);
  const earlier = state.approvedAhead.get(a.phase);
  if (earlier) return refuse(a.by, `phase ${a.phase} is already approved ahead of its gate, by ${earlier.by}`);
  return { ok: true, key: a.phase, approval: a };
}

/** Decides whether `input` approves a gate, and which. Pure. */
export function decideApproval(state: ApprovalState, input: unknown): ApprovalDecision {
  const parsed = readInput(approveInputSchema, input);
  if (!parsed.ok) return refuse('unknown', `approve needs {"by": "<name>", "phase"?: "<phase or gate>", "comment"?: "..."}: ${parsed.problems}`);
  const a = parsed.value;
  if (state.fourEyes && state.startedBy && state.startedBy === a.by) return refuse(a.by, `four-eyes: ${a.by} started this rollout and cannot approve it`);
  if (state.approvers && !state.approvers.includes(a.by)) return refuse(a.by, `${a.by} is not an approver of this rollout (approvals.approvers); approvers: ${state.approvers.join(', ') || 'none'}`);
  if (isFinal(state.status.state)) return refuse(a.by, `the rollout has ended (${state.status.state})`);
  if (state.rollingBack) return refuse(a.by, 'the rollout is rolling back; there is nothing to approve');
  const pending = state.status.pendingApproval;
  if (!pending) return decideAhead(state, a);
  const gate = pending.gate ?? pending.phase;
  if (a.phase && a.phase !== gate && a.phase !== pending.phase) {
    return refuse(a.by, `${a.phase} is not awaiting approval; ${gate === pending.phase ? gate : `gate ${gate} of phase ${pending.phase}`} is`);
  }
  // Two approvals in one workflow task: the gate takes the first; a second would replace it unseen.
  const earlier = state.approvedAhead.get(gate);
  if (earlier) return refuse(a.by, `${gate === pending.phase ? gate : `gate ${gate}`} is already approved, by ${earlier.by}`);
  return { ok: true, key: gate, approval: a };
}
