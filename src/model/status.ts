/**
 * RolloutStatus: what the `status` query and `turnout status --json` return (DESIGN, "Status").
 */
import { z } from 'zod';

/** The states a rollout moves through. */
export const rolloutStates = {
  scheduled: 'scheduled',
  waitingWindow: 'waiting-window',
  running: 'running',
  awaitingApproval: 'awaiting-approval',
  paused: 'paused',
  draining: 'draining',
  rollingBack: 'rolling-back',
  rolledBack: 'rolled-back',
  succeeded: 'succeeded',
  failed: 'failed',
} as const;
export const rolloutStateSchema = z.enum([
  rolloutStates.scheduled,
  rolloutStates.waitingWindow,
  rolloutStates.running,
  rolloutStates.awaitingApproval,
  rolloutStates.paused,
  rolloutStates.draining,
  rolloutStates.rollingBack,
  rolloutStates.rolledBack,
  rolloutStates.succeeded,
  rolloutStates.failed,
]);
export type RolloutState = z.infer<typeof rolloutStateSchema>;

/** Whether a rollout in this state has ended. */
export function isFinal(state: RolloutState): boolean {
  return state === rolloutStates.succeeded || state === rolloutStates.failed || state === rolloutStates.rolledBack;
}

export const stepStatuses = { pending: 'pending', running: 'running', done: 'done', failed: 'failed', skipped: 'skipped', undone: 'undone' } as const;
export const stepStatusSchema = z.enum([stepStatuses.pending, stepStatuses.running, stepStatuses.done, stepStatuses.failed, stepStatuses.skipped, stepStatuses.undone]);
export type StepStatus = z.infer<typeof stepStatusSchema>;

export const stepStateSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: stepStatusSchema,
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
});
export type StepState = z.infer<typeof stepStateSchema>;

/** One line of the audit trail: who did what, and when. */
export const auditEventSchema = z.object({
  at: z.string(),
  /** A person's name, or `turnout` for the engine itself. */
  by: z.string(),
  type: z.string(),
  message: z.string(),
  stepId: z.string().optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const rolloutStatusSchema = z.object({
  rolloutId: z.string(),
  workflowType: z.string(),
  app: z.string(),
  fromVersion: z.string(),
  toVersion: z.string(),
  target: z.string(),
  state: rolloutStateSchema,
  currentStep: z.string().nullable(),
  steps: z.array(stepStateSchema),
  pendingApproval: z.object({ phase: z.string(), since: z.string(), timeoutAt: z.string().optional() }).optional(),
  drain: z.object({ servers: z.array(z.object({ name: z.string(), sessions: z.number() })), deadline: z.string(), /** What `sessions` counts: HTTP sessions, or ORB connections of Java clients. */ measure: z.enum(['sessions', 'connections']).optional() }).optional(),
  /** The off-peak window: when it opens (while waiting for it) or closes (while open), in UTC; `timeZone` is the windows' zone. */
  window: z.object({ opensAt: z.string().optional(), closesAt: z.string().optional(), timeZone: z.string().optional() }).optional(),
  approvals: z.array(z.object({ phase: z.string(), by: z.string(), at: z.string(), comment: z.string().optional() })),
  events: z.array(auditEventSchema),
  /** When a delayed start (state `scheduled`) begins; set by the client, the workflow has not run yet. */
  startsAt: z.string().optional(),
  /** Why the rollout failed or was rolled back, when it did. */
  reason: z.string().optional(),
});
export type RolloutStatus = z.infer<typeof rolloutStatusSchema>;
