/**
 * The Plan: what a rollout will do, step by step, computed before anything changes and shown to
 * people (`turnout plan`, the `plan` query, Current details). Plain data, safe inside workflows.
 */
import { z } from 'zod';

/** Sprayer states of a cell (HAProxy server states): new sessions and existing ones; existing (affinity) sessions only; nothing. */
export const cellRoutingStates = { ready: 'ready', drain: 'drain', maint: 'maint' } as const;
export const cellRoutingStateSchema = z.enum([cellRoutingStates.ready, cellRoutingStates.drain, cellRoutingStates.maint]);
export type CellRoutingState = z.infer<typeof cellRoutingStateSchema>;

/** The kinds of step the shared executor knows how to run. */
export const stepKinds = {
  /** Set a cell's state at the IP sprayer. */
  routeCell: 'routeCell',
  /** Wait until the sessions on some servers end, or the drain policy's deadline. */
  drain: 'drain',
  /** Install an application version on clusters, mapped to a virtual host. */
  install: 'install',
  /** Requests through the test virtual host, expecting the new version. */
  smokeTest: 'smokeTest',
  /** Map the application to another virtual host; the servers restart to pick it up. */
  switchVirtualHost: 'switchVirtualHost',
  /** Let the new version run under production load before going on. */
  burnIn: 'burnIn',
  /** A person (or a timeout) decides whether the rollout goes on. */
  approval: 'approval',
} as const;

const base = {
  /** Stable ID, unique in the plan, such as `X.drain`. */
  id: z.string().min(1),
  title: z.string().min(1),
  /** The phase the step belongs to, such as `cell X`; approvals name phases. */
  phase: z.string().min(1),
  /** Disruptive steps (routing changes, installs, restarts) begin only inside an off-peak window. */
  disruptive: z.boolean(),
};

export const stepSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal(stepKinds.routeCell), cell: z.string(), state: cellRoutingStateSchema }),
  z.object({ ...base, kind: z.literal(stepKinds.drain), cell: z.string(), servers: z.array(z.string()) }),
  z.object({ ...base, kind: z.literal(stepKinds.install), cell: z.string(), clusters: z.array(z.string()), version: z.string(), artifact: z.string(), virtualHost: z.string() }),
  z.object({ ...base, kind: z.literal(stepKinds.smokeTest), cell: z.string(), urls: z.array(z.string()), expectVersion: z.string() }),
  z.object({ ...base, kind: z.literal(stepKinds.switchVirtualHost), cell: z.string(), clusters: z.array(z.string()), virtualHost: z.string(), restart: z.boolean() }),
  z.object({ ...base, kind: z.literal(stepKinds.burnIn), seconds: z.number().int().min(0) }),
  z.object({ ...base, kind: z.literal(stepKinds.approval), gate: z.enum(['manual', 'automatic']), question: z.string() }),
]);
export type Step = z.infer<typeof stepSchema>;
export type StepKind = Step['kind'];

/** The result of the capacity check, kept in the plan so people see the numbers. */
export const capacityCheckSchema = z.object({
  checked: z.boolean(),
  peakLoadRps: z.number().optional(),
  /** For each cell taken out of new-session routing: what the other cells can carry. */
  phases: z.array(z.object({ cell: z.string(), remainingCapacityRps: z.number() })),
  note: z.string(),
});
export type CapacityCheck = z.infer<typeof capacityCheckSchema>;

export const planSchema = z.object({
  workflowType: z.string(),
  app: z.string(),
  fromVersion: z.string(),
  toVersion: z.string(),
  /** The one-rollout-per-target key: application plus estate. */
  target: z.string(),
  steps: z.array(stepSchema),
  capacity: capacityCheckSchema,
  /** Sprayer states per cell when the rollout has succeeded. */
  finalRouting: z.record(z.string(), cellRoutingStateSchema),
});
export type Plan = z.infer<typeof planSchema>;

/** The rollout target: one running rollout per application and estate. */
export function targetOf(app: string, estateName: string): string {
  return `${app}@${estateName}`;
}
