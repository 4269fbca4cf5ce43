/**
 * The messages the CLI sends to a rollout (approve, rollback, pause, resume, leave-as-is), each
 * with the update ID that makes it count once.
 *
 * Temporal deduplicates updates by ID within one workflow run: a second update with an ID the run
 * has already admitted, accepted or completed gets the first one's outcome and is not delivered
 * again (a rejected one leaves no record, so its retry is validated afresh). An ID derived from what
 * the message means, rather than a random one, therefore turns a repeated command (a retry after a
 * timeout, two terminals, a script run twice) into one application. What it means is who acts, and
 * on which state of the rollout: the gate awaiting approval, the stretch since the last resume, the
 * pause in force. Comments and reasons are not part of it: a retry reworded is the same act, and
 * the first wording stays on the record.
 */
import type { UpdateDefinition } from '@temporalio/client';
import type { RolloutStatus } from '../model';
import {
  approvePhaseUpdate,
  leaveRolloutAsIsUpdate,
  pauseRolloutUpdate,
  requestRollbackUpdate,
  resumeRolloutUpdate,
  type ApproveInput,
  type LeaveAsIsInput,
  type PauseInput,
  type ResumeInput,
  type RollbackInput,
} from '../../workflows/messages';

/** One message as the CLI sends it. */
export interface RolloutMessage<I> {
  /** The command, as the person typed it (`leave-as-is`). */
  command: string;
  update: UpdateDefinition<RolloutStatus, [I]>;
  input: I;
  /** The update ID, from the status read just before sending. */
  updateId(status: RolloutStatus): string;
  /** What to say when it was accepted but has not taken effect yet. */
  notYet: string;
}

/** The `at` of the latest event of one of `types`, or `start` when there is none. */
function latestEventAt(status: RolloutStatus, types: readonly string[]): string {
  return status.events.filter((e) => types.includes(e.type)).at(-1)?.at ?? 'start';
}

// The workflow trims names before it records them; so does the ID, so " alice" is alice.
const who = (by: string): string => `by=${by.trim()}`;

/**
 * approve: the gate it approves (its phase and when it began waiting), or the phase approved ahead
 * of its gate while the rollout waits for a window.
 */
export function approveUpdateId(status: RolloutStatus, input: Pick<ApproveInput, 'by' | 'phase'>): string {
  const pending = status.pendingApproval;
  const phase = input.phase?.trim() || pending?.phase || '-';
  const gate = pending && pending.phase === phase ? `gate=${phase}@${pending.since}` : `ahead=${phase}`;
  return `${approvePhaseUpdate.name}:${gate}:${who(input.by)}`;
}

/** pause: the stretch of the rollout since it last resumed (or began). */
export function pauseUpdateId(status: RolloutStatus, input: Pick<PauseInput, 'by'>): string {
  return `${pauseRolloutUpdate.name}:after=${latestEventAt(status, ['resumed'])}:${who(input.by)}`;
}

/** resume: the pause in force, asked for by a person or taken after a failed step. */
export function resumeUpdateId(status: RolloutStatus, input: ResumeInput): string {
  return `${resumeRolloutUpdate.name}:pause=${latestEventAt(status, ['pause-requested', 'step-failed'])}:${who(input.by)}`;
}

/** rollback: a run rolls back once, so the run (the server's scope) and who asks are enough. */
export function rollbackUpdateId(_status: RolloutStatus, input: Pick<RollbackInput, 'by'>): string {
  return `${requestRollbackUpdate.name}:${who(input.by)}`;
}

/** leave-as-is: ends the run's one rollback, so the run and who asks are enough. */
export function leaveAsIsUpdateId(_status: RolloutStatus, input: Pick<LeaveAsIsInput, 'by'>): string {
  return `${leaveRolloutAsIsUpdate.name}:${who(input.by)}`;
}

/** Options the message commands take. */
export interface MessageOptions {
  by: string;
  phase?: string;
  comment?: string;
  reason?: string;
}

/** `turnout approve`. */
export function approveMessage(o: MessageOptions): RolloutMessage<ApproveInput> {
  const input: ApproveInput = { by: o.by, ...(o.phase ? { phase: o.phase } : {}), ...(o.comment ? { comment: o.comment } : {}) };
  return { command: 'approve', update: approvePhaseUpdate, input, updateId: (s) => approveUpdateId(s, input), notYet: 'the gate takes it when the rollout reaches it' };
}

/** `turnout rollback`. */
export function rollbackMessage(o: MessageOptions): RolloutMessage<RollbackInput> {
  const input: RollbackInput = { by: o.by, reason: o.reason ?? '' };
  return { command: 'rollback', update: requestRollbackUpdate, input, updateId: (s) => rollbackUpdateId(s, input), notYet: 'the rollback has not begun yet' };
}

/** `turnout pause`. */
export function pauseMessage(o: MessageOptions): RolloutMessage<PauseInput> {
  const input: PauseInput = { by: o.by, ...(o.reason ? { reason: o.reason } : {}) };
  return { command: 'pause', update: pauseRolloutUpdate, input, updateId: (s) => pauseUpdateId(s, input), notYet: 'it pauses at the next step boundary' };
}

/** `turnout resume`. */
export function resumeMessage(o: MessageOptions): RolloutMessage<ResumeInput> {
  const input: ResumeInput = { by: o.by };
  return { command: 'resume', update: resumeRolloutUpdate, input, updateId: (s) => resumeUpdateId(s, input), notYet: 'it has not resumed yet' };
}

/** `turnout leave-as-is`. */
export function leaveAsIsMessage(o: MessageOptions): RolloutMessage<LeaveAsIsInput> {
  const input: LeaveAsIsInput = { by: o.by, reason: o.reason ?? '' };
  return { command: 'leave-as-is', update: leaveRolloutAsIsUpdate, input, updateId: (s) => leaveAsIsUpdateId(s, input), notYet: 'the rollback has not stopped yet' };
}
