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
  /** Write a plugin-cfg.xml to every HTTP server, then wait for the plug-ins to re-read it. */
  pluginCfg: 'pluginCfg',
  /** Start, stop or restart some application servers. */
  servers: 'servers',
  /** Point the configured JNDI bindings at a cluster. */
  switchBindings: 'switchBindings',
  /** Test Java clients call the EJB through a cluster's bindings, expecting the new version. */
  ejbSmokeTest: 'ejbSmokeTest',
  /** Every server that should run the new version is up and answers with it (unknown is not zero). */
  verifyServers: 'verifyServers',
  /** Set some members' states at the on-demand router in one change (edition rollout). */
  routeMembers: 'routeMembers',
  /** Wait until no request is in flight on some members, at the router or in the servers, or a limit. */
  quiesce: 'quiesce',
  /** Load a new edition on some members: soft (the application restarts) or hard (the server restarts). */
  resetMembers: 'resetMembers',
  /** Bind a validation clone's resources under `<cluster>-validation`, or rename them back. */
  validationBindings: 'validationBindings',
  /** Write loadbalancer.xml (the starting file with some edits) to every load balancer, identical bytes, then let them poll it. */
  lbConfig: 'lbConfig',
  /** Deploy an application version to a GlassFish cluster or deployment group, enabled or not, versioned or in place. */
  deployVersion: 'deployVersion',
  /** Make one version the only one enabled on one GlassFish instance, and check it answers through its own port. */
  switchVersion: 'switchVersion',
  /** Turn a GlassFish cluster's dynamic reconfiguration off or on. */
  dynamicReconfig: 'dynamicReconfig',
  /** Back up, restore or reconcile one GlassFish instance's session store (seed 000). */
  sessionStore: 'sessionStore',
  /** Give one instance back to the load balancer, at full weight or ramping up (seed 000 step 1), and check it answers. */
  enableInstance: 'enableInstance',
} as const;

/** One change to loadbalancer.xml, relative to the file as it was before the rollout. */
export const lbEditSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('clusterInstances'), cluster: z.string(), enabled: z.boolean() }),
  z.object({ op: z.literal('instance'), cluster: z.string(), instance: z.string(), enabled: z.boolean() }),
  z.object({ op: z.literal('webModule'), cluster: z.string(), contextRoot: z.string(), enabled: z.boolean() }),
  z.object({ op: z.literal('clusterWebModules'), cluster: z.string(), enabled: z.boolean() }),
  z.object({ op: z.literal('removeInstance'), cluster: z.string(), instance: z.string() }),
  z.object({ op: z.literal('removeCluster'), cluster: z.string() }),
]);
export type LbEdit = z.infer<typeof lbEditSchema>;

/** The plugin-cfg.xml files of the single-cell procedure (seed 002, steps B, D and F). */
export const pluginCfgStages = {
  /** As GenPluginCfg dumps it in step B: the dormant cluster routed through the test virtual host. */
  generated: 'generated',
  /** Listing 3: some or all incoming servers moved into the active cluster; their partners at weight 0. */
  transition: 'transition',
  /** The N+1 cluster's own file. */
  final: 'final',
} as const;

/** What a drain watches: HTTP sessions (PMI LiveCount) or ORB connections of Java clients. */
export const drainMeasures = { sessions: 'sessions', connections: 'connections' } as const;

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
  z.object({
    ...base,
    kind: z.literal(stepKinds.drain),
    cell: z.string(),
    servers: z.array(z.string()),
    measure: z.enum([drainMeasures.sessions, drainMeasures.connections]).optional(),
    /**
     * An edition's drainage interval (seed 003): the drain ends when the sessions are done or the
     * interval ends, whichever is first; with `full`, always at the end of the interval.
     */
    interval: z.object({ seconds: z.number().int().min(1), full: z.boolean() }).optional(),
    /**
     * A loadbalancer.xml quiescing period (seed 004): the drain ends when the sessions are done or
     * the period (read from the file when the rollout starts) is over, whichever is first; a drain
     * policy shorter than the period asks a person before sessions fail over.
     */
    quiescing: z.object({ cluster: z.string(), instances: z.array(z.string()).optional(), contextRoot: z.string().optional() }).optional(),
  }),
  z.object({ ...base, kind: z.literal(stepKinds.install), cell: z.string(), clusters: z.array(z.string()), version: z.string(), artifact: z.string(), virtualHost: z.string() }),
  z.object({ ...base, kind: z.literal(stepKinds.smokeTest), cell: z.string(), urls: z.array(z.string()), expectVersion: z.string() }),
  z.object({ ...base, kind: z.literal(stepKinds.switchVirtualHost), cell: z.string(), clusters: z.array(z.string()), virtualHost: z.string(), restart: z.boolean() }),
  z.object({ ...base, kind: z.literal(stepKinds.burnIn), seconds: z.number().int().min(0) }),
  z.object({ ...base, kind: z.literal(stepKinds.approval), gate: z.enum(['manual', 'automatic']), question: z.string() }),
  z.object({
    ...base,
    kind: z.literal(stepKinds.pluginCfg),
    stage: z.enum([pluginCfgStages.generated, pluginCfgStages.transition, pluginCfgStages.final]),
    /** The cells whose generated files make the file: two in the dormant-cell variation (merged). */
    cells: z.array(z.string()).min(1),
    active: z.string(),
    incoming: z.string(),
    /** Transition: incoming servers moved so far (cumulative). */
    moved: z.array(z.string()).optional(),
    /** Transition: active servers at LoadBalanceWeight 0 so far (cumulative). */
    drained: z.array(z.string()).optional(),
  }),
  z.object({ ...base, kind: z.literal(stepKinds.servers), action: z.enum(['start', 'stop', 'restart']), servers: z.array(z.string()).min(1) }),
  z.object({ ...base, kind: z.literal(stepKinds.switchBindings), cluster: z.string() }),
  z.object({ ...base, kind: z.literal(stepKinds.ejbSmokeTest), cluster: z.string(), calls: z.number().int().min(1), expectVersion: z.string() }),
  z.object({ ...base, kind: z.literal(stepKinds.verifyServers), servers: z.array(z.string()).min(1), version: z.string() }),
  z.object({ ...base, kind: z.literal(stepKinds.routeMembers), states: z.record(z.string(), cellRoutingStateSchema) }),
  z.object({ ...base, kind: z.literal(stepKinds.quiesce), servers: z.array(z.string()).min(1), at: z.enum(['router', 'server']), limitSeconds: z.number().int().min(0) }),
  z.object({
    ...base,
    kind: z.literal(stepKinds.resetMembers),
    servers: z.array(z.string()).min(1),
    reset: z.enum(['soft', 'hard']),
    version: z.string(),
    artifact: z.string(),
    /** 1 for the first group: a failure there fails the rollout; later, it only sets the member aside (seed 003). */
    group: z.number().int().min(1),
  }),
  z.object({ ...base, kind: z.literal(stepKinds.validationBindings), cluster: z.string(), action: z.enum(['bind', 'promote']) }),
  /** `edits` are cumulative from the starting file: an empty list writes the starting bytes back. */
  z.object({ ...base, kind: z.literal(stepKinds.lbConfig), edits: z.array(lbEditSchema) }),
  z.object({ ...base, kind: z.literal(stepKinds.deployVersion), cluster: z.string(), version: z.string(), artifact: z.string(), contextRoot: z.string(), enabled: z.boolean(), versioned: z.boolean() }),
  z.object({ ...base, kind: z.literal(stepKinds.switchVersion), instance: z.string(), version: z.string(), checkSeconds: z.number().int().min(1) }),
  z.object({ ...base, kind: z.literal(stepKinds.dynamicReconfig), cluster: z.string(), enabled: z.boolean() }),
  z.object({ ...base, kind: z.literal(stepKinds.sessionStore), instance: z.string(), op: z.enum(['backup', 'restore', 'reconcile']) }),
  z.object({ ...base, kind: z.literal(stepKinds.enableInstance), instance: z.string(), version: z.string(), rampUpSeconds: z.number().int().min(0) }),
]);
export type Step = z.infer<typeof stepSchema>;
export type StepKind = Step['kind'];

/** The result of the capacity check, kept in the plan so people see the numbers. */
export const capacityCheckSchema = z.object({
  checked: z.boolean(),
  peakLoadRps: z.number().optional(),
  /** For each cell taken out of new-session routing: what the other cells can carry. */
  phases: z.array(z.object({ cell: z.string(), remainingCapacityRps: z.number() })),
  /** Shared hardware (single cell): memory each node needs with both clusters' JVMs running at once. */
  nodes: z.array(z.object({ node: z.string(), neededMb: z.number(), memoryMb: z.number().optional() })).optional(),
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
  /** The clusters the single-cell and Java-client procedures move between. */
  clusters: z.object({ active: z.string(), incoming: z.string() }).optional(),
  /** The phase whose failure always rolls back (seed 003's first group); the plan's first phase when absent. */
  firstGroupPhase: z.string().optional(),
  /** The duration estimates, in seconds: the seed's formula and turnout's own, from the same inputs. */
  estimate: z
    .object({
      groups: z.number().int(),
      seedSeconds: z.number(),
      turnoutSeconds: z.number(),
      /** How each was computed, one line each. */
      basis: z.array(z.string()),
    })
    .optional(),
  /** What a rollback does if it is asked for during each phase, at the phase's furthest point: one line per move. */
  rollbackRoutes: z.array(z.object({ phase: z.string(), route: z.array(z.string()) })).optional(),
});
export type Plan = z.infer<typeof planSchema>;

/** The rollout target: one running rollout per application and estate. */
export function targetOf(app: string, estateName: string): string {
  return `${app}@${estateName}`;
}

/** What every plan says about its rollout: the workflow type, the application, its versions and target. */
export function planHeader(workflowType: string, request: { app: string; fromVersion: string; toVersion: string }, estateName: string): Pick<Plan, 'workflowType' | 'app' | 'fromVersion' | 'toVersion' | 'target'> {
  return { workflowType, app: request.app, fromVersion: request.fromVersion, toVersion: request.toVersion, target: targetOf(request.app, estateName) };
}
