/**
 * The rollout workflows' messages (DESIGN, "Messages"), defined apart from the workflow bodies so
 * the CLI and tests import them without pulling workflow code in.
 *
 * Signals and updates carry the same meaning; updates also validate (wrong phase, nothing awaiting
 * approval, already rolling back) and return the new status.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { Plan, RolloutStatus } from '../src/model';

const who = z.string().trim().min(1, 'say who you are');

export const approveInputSchema = z.object({ by: who, phase: z.string().min(1).optional(), comment: z.string().max(2000).optional() }).strict();
export type ApproveInput = z.infer<typeof approveInputSchema>;
export const rollbackInputSchema = z.object({ by: who, reason: z.string().trim().min(1, 'say why') }).strict();
export type RollbackInput = z.infer<typeof rollbackInputSchema>;
export const pauseInputSchema = z.object({ by: who, reason: z.string().optional() }).strict();
export type PauseInput = z.infer<typeof pauseInputSchema>;
export const resumeInputSchema = z.object({ by: who }).strict();
export type ResumeInput = z.infer<typeof resumeInputSchema>;

/** Live session counts from a running drain, sent by the drain activity to its workflow. */
export interface DrainProgress {
  stepId: string;
  servers: { name: string; sessions: number }[];
  deadline: string;
}

/** Message names, as typed in the Temporal UI's signal and update dialogs. */
export const messageNames = {
  approve: 'approve',
  rollback: 'rollback',
  pause: 'pause',
  resume: 'resume',
  approvePhase: 'approvePhase',
  requestRollback: 'requestRollback',
  pauseRollout: 'pauseRollout',
  resumeRollout: 'resumeRollout',
  status: 'status',
  plan: 'plan',
  drainProgress: 'drainProgress',
} as const;

/** Descriptions shown by the Temporal UI next to each message. */
export const messageDescriptions = {
  approve: 'Approve the phase waiting for approval. Input: {"by": "your name", "phase": "cell-Y" (optional), "comment": "..." (optional)}',
  rollback: 'Roll the whole rollout back now: routing is restored first, then version N is reinstalled. Input: {"by": "your name", "reason": "why"}',
  pause: 'Hold the rollout at the next step boundary. Input: {"by": "your name", "reason": "..." (optional)}',
  resume: 'Continue a paused rollout. Input: {"by": "your name"}',
  approvePhase: 'Approve the phase waiting for approval; refused if nothing waits or the phase differs. Returns the new status.',
  requestRollback: 'Roll back now; refused if the rollout is already rolling back or has ended. Returns the new status.',
  pauseRollout: 'Pause at the next step boundary; refused if already paused or ended. Returns the new status.',
  resumeRollout: 'Resume a paused rollout; refused if it is not paused. Returns the new status.',
  status: 'The rollout status: state, steps, pending approval, drain progress, approvals and audit events.',
  plan: 'The plan: every step the rollout takes, in order.',
  drainProgress: 'Internal: live session counts from the drain activity.',
} as const;

export const approveSignal = defineSignal<[ApproveInput]>(messageNames.approve);
export const rollbackSignal = defineSignal<[RollbackInput]>(messageNames.rollback);
export const pauseSignal = defineSignal<[PauseInput]>(messageNames.pause);
export const resumeSignal = defineSignal<[ResumeInput]>(messageNames.resume);
export const drainProgressSignal = defineSignal<[DrainProgress]>(messageNames.drainProgress);

export const approvePhaseUpdate = defineUpdate<RolloutStatus, [ApproveInput]>(messageNames.approvePhase);
export const requestRollbackUpdate = defineUpdate<RolloutStatus, [RollbackInput]>(messageNames.requestRollback);
export const pauseRolloutUpdate = defineUpdate<RolloutStatus, [PauseInput]>(messageNames.pauseRollout);
export const resumeRolloutUpdate = defineUpdate<RolloutStatus, [ResumeInput]>(messageNames.resumeRollout);

export const statusQuery = defineQuery<RolloutStatus>(messageNames.status);
export const planQuery = defineQuery<Plan>(messageNames.plan);
