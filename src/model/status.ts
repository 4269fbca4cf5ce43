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
  /** When a rollback put back what this forward step changed (status `undone`, or `failed` for a step that failed part way). */
  undoneAt: z.string().optional(),
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

/** What a gate waits for: `gate` is its own name, which an approval may name instead of the phase. */
export const gateKinds = { phase: 'phase', drainTimeout: 'drain-timeout', foreignWrite: 'foreign-write' } as const;
export const pendingApprovalSchema = z.object({
  phase: z.string(),
  /** The gate's own name: the phase for a phase gate, the drain step's ID (such as `X.drain`) for a drain-timeout gate. */
  gate: z.string().optional(),
  kind: z.enum([gateKinds.phase, gateKinds.drainTimeout, gateKinds.foreignWrite]).optional(),
  /** What the person is asked. */
  question: z.string().optional(),
  since: z.string(),
  timeoutAt: z.string().optional(),
});
export type PendingApproval = z.infer<typeof pendingApprovalSchema>;

/**
 * A file turnout manages that someone else rewrote: the hosts holding the same foreign bytes, the
 * hashes, and a short diff (bounded: never the whole file).
 */
export const foreignFileSchema = z.object({
  /** `plugin-cfg.xml` or `loadbalancer.xml`. */
  file: z.string(),
  /** The HTTP servers or load balancers that hold these bytes. */
  hosts: z.array(z.string()),
  /** What turnout last wrote there. */
  expectedSha256: z.string(),
  /** What is there now; null when the file is missing. */
  foundSha256: z.string().nullable(),
  /** A short unified-style diff from turnout's file to the one found. */
  diff: z.string(),
  /** plugin-cfg.xml: the change in routing terms (servers, weights, routes), when the file parses. */
  routing: z.string().optional(),
});
export type ForeignFile = z.infer<typeof foreignFileSchema>;

/** Files turnout manages that differ from what it last wrote: the rollout stops at the next step boundary for a person. */
export const foreignWriteSchema = z.object({
  /** When turnout first saw these bytes. */
  noticedAt: z.string(),
  files: z.array(foreignFileSchema),
});
export type ForeignWrite = z.infer<typeof foreignWriteSchema>;

/** A rollback under way: its route, and why a step is blocked while it retries. */
export const rollbackProgressSchema = z.object({
  /** The route, one line per move, as `turnout plan` shows it for the phase. */
  route: z.array(z.string()),
  blocked: z
    .object({
      stepId: z.string(),
      reason: z.string(),
      since: z.string(),
      attempts: z.number().int(),
      retryEverySeconds: z.number(),
    })
    .optional(),
  /** Someone ended the rollback where it stood. */
  leftAsIs: z.object({ by: z.string(), reason: z.string(), at: z.string() }).optional(),
});
export type RollbackProgress = z.infer<typeof rollbackProgressSchema>;

/** One notification to one target, and how its delivery went. */
export const notificationDeliverySchema = z.object({
  deliveryId: z.string(),
  event: z.string(),
  /** The target as declared, such as `notify[0] webhook`. */
  target: z.string(),
  state: z.enum(['sending', 'delivered', 'failed']),
  at: z.string(),
  /** Attempts made, once delivered. */
  attempts: z.number().int().optional(),
  /** Why the last attempt failed. */
  error: z.string().optional(),
});
export type NotificationDelivery = z.infer<typeof notificationDeliverySchema>;

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
  pendingApproval: pendingApprovalSchema.optional(),
  drain: z
    .object({
      /** `sessions` is null for a server whose count could not be read: unknown, never zero. */
      servers: z.array(
        z.object({
          name: z.string(),
          sessions: z.number().nullable(),
          problem: z.string().optional(),
          /** The last readings of this server (at most 12, for at most 20 servers), for the trend and the time to empty. */
          trend: z.array(z.object({ at: z.string(), sessions: z.number().nullable() })).optional(),
        }),
      ),
      deadline: z.string(),
      /** What `sessions` counts: HTTP sessions, or ORB connections of Java clients. */
      measure: z.enum(['sessions', 'connections']).optional(),
      /** Sums over every drained server when `servers` shows only those holding the drain up most (large drains). */
      totals: z.object({ servers: z.number(), sessions: z.number(), unknown: z.number() }).optional(),
    })
    .optional(),
  /** While rolling back: the route it takes, and the step that is blocked, if one is. */
  rollback: rollbackProgressSchema.optional(),
  /**
   * Files turnout manages (plugin-cfg.xml, loadbalancer.xml) that someone else rewrote since turnout
   * wrote them: shown from the poll that noticed them; the rollout stops at the next step boundary
   * (gate kind `foreign-write`) until a person approves the change or rolls back.
   */
  foreignWrite: foreignWriteSchema.optional(),
  /** Servers that should run N+1 and did not answer with it at the last check. */
  deadServers: z.array(z.object({ name: z.string(), problem: z.string() })).optional(),
  /** The off-peak window: when it opens (while waiting for it) or closes (while open), in UTC; `timeZone` is the windows' zone. */
  window: z.object({ opensAt: z.string().optional(), closesAt: z.string().optional(), timeZone: z.string().optional() }).optional(),
  approvals: z.array(z.object({ phase: z.string(), by: z.string(), at: z.string(), comment: z.string().optional() })),
  events: z.array(auditEventSchema),
  /** When a delayed start (state `scheduled`) begins; set by the client, the workflow has not run yet. */
  startsAt: z.string().optional(),
  /** Members that failed to take the new edition after the first group: they take no new sessions and need a person (seed 003). */
  attention: z.array(z.object({ name: z.string(), problem: z.string(), at: z.string() })).optional(),
  /** Duration, in seconds: the plan's two estimates and, once ended, the actual time. */
  duration: z.object({ seedEstimateSeconds: z.number(), turnoutEstimateSeconds: z.number(), startedAt: z.string(), actualSeconds: z.number().optional() }).optional(),
  /**
   * GlassFish family: each instance's versions as last read, the enabled ones (application-refs) and
   * the one it answers with through its own port. The cluster's own enabled state is derived from
   * them (seed 001: enabled when any instance is).
   */
  instances: z.array(z.object({ name: z.string(), enabled: z.array(z.string()), serving: z.string().nullable(), at: z.string() })).optional(),
  /**
   * Notifications sent, one entry per delivery ID and target (named as declared, never by URL):
   * `failed` after its retries, which never stops the rollout.
   */
  notifications: z.array(notificationDeliverySchema).optional(),
  /** Why the rollout failed or was rolled back, when it did. */
  reason: z.string().optional(),
});
export type RolloutStatus = z.infer<typeof rolloutStatusSchema>;
