/**
 * The rollout workflows' messages (DESIGN, "Messages"), defined apart from the workflow bodies so
 * the CLI and tests import them without pulling workflow code in.
 *
 * Signals and updates carry the same meaning; updates also validate (wrong phase, nothing awaiting
 * approval, already rolling back) and return the new status. Every input is checked against the
 * schemas below before anything acts on it: a message can be refused, never fail a workflow task.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { Plan, RolloutStatus } from '../src/model';

/** Longest name (a person, a phase, a server) a message may carry. */
export const maxNameLength = 128;
/** Longest comment or reason a message may carry. */
export const maxTextLength = 1000;

/**
 * Characters a name may not carry: control characters (C0, DEL and C1, where U+0085 is a line break
 * and U+009B a terminal escape), the line and paragraph separators, and the bidirectional marks,
 * embeddings, overrides and isolates. Each would let a name forge or hide text in Current details,
 * logs and terminals.
 */
const unsafeChars = '\\p{Cc}\\u2028\\u2029\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
export const unsafeInName = new RegExp(`[${unsafeChars}]`, 'u');
const noControl = new RegExp(`^[^${unsafeChars}]*$`, 'u');
const name = z.string().trim().min(1).max(maxNameLength).regex(noControl, 'no control or bidirectional characters');
const who = z.string().trim().min(1, 'say who you are').max(maxNameLength).regex(noControl, 'no control or bidirectional characters');
const unsafeInText = new RegExp(`[${unsafeChars}]`, 'gu');
/**
 * Free text (a comment, a reason) keeps its words but not its control characters: each becomes a
 * space, so it cannot break a line of Current details or send escapes to a terminal.
 */
const text = z.string().max(maxTextLength).transform((t) => t.replace(unsafeInText, ' '));
const requiredText = z.string().trim().min(1, 'say why').max(maxTextLength).transform((t) => t.replace(unsafeInText, ' '));

export const approveInputSchema = z
  .object({
    by: who,
    /** The phase, or the gate's own name (a drain-timeout gate is named after its step, such as `X.drain`). */
    phase: name.optional(),
    comment: text.optional(),
  })
  .strict();
export type ApproveInput = z.infer<typeof approveInputSchema>;
export const rollbackInputSchema = z.object({ by: who, reason: requiredText }).strict();
export type RollbackInput = z.infer<typeof rollbackInputSchema>;
export const pauseInputSchema = z.object({ by: who, reason: text.optional() }).strict();
export type PauseInput = z.infer<typeof pauseInputSchema>;
export const resumeInputSchema = z.object({ by: who }).strict();
export type ResumeInput = z.infer<typeof resumeInputSchema>;
/** Ends a rollback that cannot finish, on the record: what it has not restored stays as it is. */
export const leaveAsIsInputSchema = z.object({ by: who, reason: requiredText }).strict();
export type LeaveAsIsInput = z.infer<typeof leaveAsIsInputSchema>;

/** One server's count in a drain: `sessions` is null when it could not be read (unknown is not zero). */
export const drainCountSchema = z
  .object({
    name,
    sessions: z.number().int().min(0).nullable(),
    /** Why the count is unknown. */
    problem: text.optional(),
  })
  .strict();
export type DrainCount = z.infer<typeof drainCountSchema>;

/** Live counts from a running drain, sent by the drain activity to its workflow. */
export const drainProgressSchema = z
  .object({
    stepId: name,
    /** Every drained server while they are few, else the ones holding the drain up most (the activity caps them). */
    servers: z.array(drainCountSchema).max(10_000),
    deadline: z.iso.datetime(),
    /** Sums over every drained server, present when `servers` names only some of them. */
    totals: z
      .object({ servers: z.number().int().min(0), sessions: z.number().int().min(0), unknown: z.number().int().min(0) })
      .strict()
      .optional(),
  })
  .strict();
export type DrainProgress = z.infer<typeof drainProgressSchema>;

/** Message names, as typed in the Temporal UI's signal and update dialogs. */
export const messageNames = {
  approve: 'approve',
  rollback: 'rollback',
  pause: 'pause',
  resume: 'resume',
  leaveAsIs: 'leaveAsIs',
  approvePhase: 'approvePhase',
  requestRollback: 'requestRollback',
  pauseRollout: 'pauseRollout',
  resumeRollout: 'resumeRollout',
  leaveRolloutAsIs: 'leaveRolloutAsIs',
  status: 'status',
  plan: 'plan',
  drainProgress: 'drainProgress',
} as const;

/** Descriptions shown by the Temporal UI next to each message; each procedure's own are in `message-descriptions.ts`. */
export const messageDescriptions = {
  approve: 'Approve the gate waiting for approval. Input: {"by": "your name", "phase": "the phase or gate shown in Current details" (optional), "comment": "..." (optional)}',
  rollback: 'Roll the whole rollout back now: routing is restored first, then what the rollout changed, in reverse order. Input: {"by": "your name", "reason": "why"}',
  pause: 'Hold the rollout (or its rollback) at the next step boundary. Input: {"by": "your name", "reason": "..." (optional)}',
  resume: 'Continue a paused rollout or rollback. Input: {"by": "your name"}',
  leaveAsIs: 'End a rollback that cannot finish, leaving what it has not restored as it is; recorded. Input: {"by": "your name", "reason": "why"}',
  approvePhase: 'Approve the gate waiting for approval; refused if nothing waits or the phase differs. Returns the new status.',
  requestRollback: 'Roll back now; refused if the rollout is already rolling back or has ended. Returns the new status.',
  pauseRollout: 'Pause at the next step boundary (a rollback too); refused if already paused or ended. Returns the new status.',
  resumeRollout: 'Resume a paused rollout or rollback; refused if it is not paused. Returns the new status.',
  leaveRolloutAsIs: 'End a rollback that cannot finish, leaving the rest as it is; refused unless rolling back. Returns the final status.',
  status: 'The rollout status: state, steps, pending approval, drain progress, approvals and audit events.',
  plan: 'The plan: every step the rollout takes, in order, and the rollback route of each phase.',
  drainProgress: 'Internal: live session counts from the drain activity.',
} as const;

export const approveSignal = defineSignal<[ApproveInput]>(messageNames.approve);
export const rollbackSignal = defineSignal<[RollbackInput]>(messageNames.rollback);
export const pauseSignal = defineSignal<[PauseInput]>(messageNames.pause);
export const resumeSignal = defineSignal<[ResumeInput]>(messageNames.resume);
export const leaveAsIsSignal = defineSignal<[LeaveAsIsInput]>(messageNames.leaveAsIs);
export const drainProgressSignal = defineSignal<[DrainProgress]>(messageNames.drainProgress);

export const approvePhaseUpdate = defineUpdate<RolloutStatus, [ApproveInput]>(messageNames.approvePhase);
export const requestRollbackUpdate = defineUpdate<RolloutStatus, [RollbackInput]>(messageNames.requestRollback);
export const pauseRolloutUpdate = defineUpdate<RolloutStatus, [PauseInput]>(messageNames.pauseRollout);
export const resumeRolloutUpdate = defineUpdate<RolloutStatus, [ResumeInput]>(messageNames.resumeRollout);
export const leaveRolloutAsIsUpdate = defineUpdate<RolloutStatus, [LeaveAsIsInput]>(messageNames.leaveRolloutAsIs);

export const statusQuery = defineQuery<RolloutStatus>(messageNames.status);
export const planQuery = defineQuery<Plan>(messageNames.plan);
