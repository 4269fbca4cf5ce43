/**
 * The RolloutRequest: the one JSON object a rollout starts from (DESIGN, "Workflow types").
 *
 * Defaults come from the seeds where they say something: groups of "five or so" after a first
 * group of one node (002), a quiesce wait of 31 minutes (004, `disable-timeout-in-minutes`),
 * a first-group failure that always rolls back (003).
 */
import { z } from 'zod';
import { estateSchema } from './estate';
import { notifyListSchema } from './notify';

const seconds = z.number().int().min(0).max(7 * 24 * 3600);
const version = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.+-]+$/, 'letters, digits, _ . + - only');

/** What a drain does when its maximum wait passes with sessions still on the servers. */
export const drainTimeoutActions = { fail: 'fail', proceed: 'proceed', approve: 'approve' } as const;

export const drainPolicySchema = z
  .object({
    /** Seconds between session-count polls. */
    pollIntervalSeconds: z.number().int().min(1).max(3600).default(5),
    /** Longest wait for sessions to end (seed 004's quiesce default is 31 minutes). */
    maxWaitSeconds: seconds.default(31 * 60),
    /** The drain is complete when every server has at most this many live sessions. */
    sessionThreshold: z.number().int().min(0).default(0),
    onTimeout: z.enum([drainTimeoutActions.fail, drainTimeoutActions.proceed, drainTimeoutActions.approve]).default(drainTimeoutActions.approve),
  })
  .strict();
export type DrainPolicy = z.infer<typeof drainPolicySchema>;

/** What an approval gate does when nobody answers in time. */
export const approvalTimeoutActions = { rollback: 'rollback', fail: 'fail', wait: 'wait' } as const;

export const approvalPolicySchema = z
  .object({
    /** Phases that need a person's approval; `*` means every phase gate the procedure has. */
    phases: z.array(z.string().min(1)).default(['*']),
    timeoutSeconds: seconds.default(24 * 3600),
    onTimeout: z.enum([approvalTimeoutActions.rollback, approvalTimeoutActions.fail, approvalTimeoutActions.wait]).default(approvalTimeoutActions.wait),
    /** Four-eyes: the approver must differ from whoever started the rollout. */
    fourEyes: z.boolean().default(false),
    /**
     * Who may approve: names, and `group:<name>` for a group of the estate's `approverGroups`.
     * Anyone may when absent; an approval by anyone else is refused and recorded.
     */
    approvers: z.array(z.string().min(1).max(128)).min(1).optional(),
  })
  .strict();
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

const weekdays = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM, 24-hour');

/** Whether `zone` is an IANA time zone this runtime knows, such as Europe/Berlin. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Off-peak windows: disruptive steps begin only inside one of them. */
export const windowsSchema = z
  .object({
    timeZone: z.string().refine(isTimeZone, 'not an IANA time zone, such as Europe/Berlin'),
    windows: z.array(z.object({ days: z.array(z.enum(weekdays)).min(1), start: clock, end: clock }).strict()).min(1),
    blackoutDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD')).default([]),
  })
  .strict();
export type Windows = z.infer<typeof windowsSchema>;

export const smokeTestSchema = z
  .object({
    /** Path requested through the test virtual host. */
    path: z.string().startsWith('/').default('/user/hit'),
    /** Version the answers must report; the request's toVersion when absent. */
    expectVersion: version.optional(),
    requests: z.number().int().min(1).max(1000).default(5),
    timeoutSeconds: z.number().int().min(1).max(600).default(10),
  })
  .strict();
export type SmokeTest = z.infer<typeof smokeTestSchema>;

/**
 * How long one workflow run's history may grow. At a step boundary past this many events (or when
 * the server suggests it first), the rollout continues as a new run that carries its status,
 * approvals and audit trail: a rollout of any size stays within Temporal's per-run limits.
 */
export const historyPolicySchema = z
  .object({
    continueAsNewAfterEvents: z.number().int().min(1).max(40_000).default(5_000),
  })
  .strict();
export type HistoryPolicy = z.infer<typeof historyPolicySchema>;

/** What a failed step or smoke test does after the first group (the first group always rolls back). */
export const failureActions = { rollback: 'rollback', pause: 'pause', fail: 'fail' } as const;

export const rollbackPolicySchema = z
  .object({
    onFailure: z.enum([failureActions.rollback, failureActions.pause, failureActions.fail]).default(failureActions.rollback),
    /** Reinstall version N where N+1 went, after routing is restored. */
    reinstallPrevious: z.boolean().default(true),
    /** What to reinstall for version N; `lab:<fromVersion>` when the artifact is a lab one. */
    previousArtifact: z.string().min(1).optional(),
    /**
     * A rollback step that meets a fault retries until it goes through (or a person leaves the
     * rollback as is): the wait between attempts doubles from 1 s up to this many seconds.
     */
    retryIntervalSeconds: z.number().int().min(1).max(3600).default(30),
  })
  .strict();
export type RollbackPolicy = z.infer<typeof rollbackPolicySchema>;

/** What a server that should run N+1 and does not answer with it does to the rollout. */
export const deadServerActions = { pause: 'pause', fail: 'fail' } as const;

export const verifyPolicySchema = z
  .object({
    /**
     * `pause` holds the rollout for a person (resume checks again); `fail` fails the step, and the
     * failure policy (`rollback.onFailure`) decides. Either way it never ends `succeeded`.
     */
    onDeadServer: z.enum([deadServerActions.pause, deadServerActions.fail]).default(deadServerActions.pause),
  })
  .strict();
export type VerifyPolicy = z.infer<typeof verifyPolicySchema>;

export const strategySchema = z
  .object({
    /** Order in which cells are rolled (multi-cell); estate order when absent. */
    cellOrder: z.array(z.string().min(1)).optional(),
    /** Servers moved in the first group (single cell: "one node first"). */
    firstGroupSize: z.number().int().min(1).default(1),
    /** Servers moved per later group (seed 002: "groups of, say, five or so"). */
    groupSize: z.number().int().min(1).default(5),
    /** The dormant cluster that receives N+1 (single cell, Java clients). */
    incomingCluster: z.string().min(1).optional(),
    /** The cell holding the dormant cluster, for the same-hardware dormant-cell variation. */
    dormantCell: z.string().min(1).optional(),
    /** Servers of the dormant cluster to start for the light test; all when absent. */
    testServers: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type Strategy = z.infer<typeof strategySchema>;

/** The edition rollout's types (seed 003): half the cluster at a time, or groups. */
export const editionRolloutTypes = { atomic: 'atomic', grouped: 'grouped' } as const;
/** How a member loads the new edition: the application restarts inside the running server, or the whole server restarts. */
export const resetStrategies = { soft: 'soft', hard: 'hard' } as const;

/**
 * The edition rollout's settings (seed 003, "Specify the rollout settings"). Defaults are the
 * seed's: group rollout in groups of one, soft reset, the on-demand router's 60 s quiesce, then the
 * server's own 60 s (soft) or 180 s (hard).
 */
export const editionSettingsSchema = z
  .object({
    /** The cluster the edition rolls over; the estate's only active cluster when absent. */
    cluster: z.string().min(1).optional(),
    rolloutType: z.enum([editionRolloutTypes.atomic, editionRolloutTypes.grouped]).default(editionRolloutTypes.grouped),
    /** Members per group (grouped only): the seed's "group of one" is the most typical. */
    groupSize: z.number().int().min(1).default(1),
    reset: z.enum([resetStrategies.soft, resetStrategies.hard]).default(resetStrategies.soft),
    /**
     * 0 waits until the member's sessions are done (bounded by `drain.maxWaitSeconds` and its
     * `onTimeout`); more than 0 waits until they are done or the interval ends, whichever is first.
     */
    drainageIntervalSeconds: seconds.default(0),
    /** Always wait the whole drainage interval, even on an empty member (`appedition.rollout.softreset.fulldrainageinterval`). */
    fullDrainageInterval: z.boolean().default(false),
    /** Longest wait at the router for requests still in flight after the drain (the ODR's 60 s). */
    routerQuiesceSeconds: z.number().int().min(0).max(3600).default(60),
    /** Longest wait inside the server for requests in flight before the reset: 60 s soft, 180 s hard when absent. */
    serverQuiesceSeconds: z.number().int().min(0).max(3600).optional(),
    /** For turnout's estimate: how long one reset takes, in seconds (30 soft, 120 hard when absent). */
    resetSeconds: z.number().int().min(1).max(3600).optional(),
    /** For turnout's estimate: how long a typical session lasts, in seconds; the lab's idle timeout when absent. */
    sessionSeconds: z.number().int().min(1).max(7 * 24 * 3600).optional(),
    /**
     * Validation mode (seed 003, "Results"): N+1 first runs on a clone of the cluster (a dormant
     * cluster of the estate), its resource bindings under `clusters/<cluster>-validation/`, reached
     * only through the router's test listener. An approval ends validation.
     */
    validation: z.object({ clone: z.string().min(1) }).strict().optional(),
  })
  .strict();
export type EditionSettings = z.infer<typeof editionSettingsSchema>;

/** The server's own quiesce limit for a reset strategy (seed 003: 60 s soft, 180 s hard). */
export function serverQuiesceSecondsOf(edition: EditionSettings): number {
  return edition.serverQuiesceSeconds ?? (edition.reset === resetStrategies.hard ? 180 : 60);
}

/**
 * A short procedure on a cluster behind loadbalancer.xml (seed 004, "Using Multiple Clusters for
 * Online Upgrades"): each quiesces what it touches first, by the same rules as the upgrade.
 */
export const lbOperationSchema = z.discriminatedUnion('kind', [
  /** "Reconfiguring an Application Server Instance in a Running Cluster": disable, quiesce, restart, enable. */
  z.object({ kind: z.literal('reconfigureInstance'), cluster: z.string().min(1), instance: z.string().min(1) }).strict(),
  /** "Redeploying an Existing Web Application on a Cluster": disable the web module, quiesce, redeploy (toVersion), enable. */
  z.object({ kind: z.literal('redeployWebModule'), cluster: z.string().min(1), contextRoot: z.string().startsWith('/') }).strict(),
  /** "Removing an Application Server Instance from a Cluster": disable, quiesce, remove its entry. */
  z.object({ kind: z.literal('removeInstance'), cluster: z.string().min(1), instance: z.string().min(1) }).strict(),
  /** "Removing a Cluster": disable its web modules, quiesce, remove the cluster's entries. */
  z.object({ kind: z.literal('removeCluster'), cluster: z.string().min(1) }).strict(),
]);
export type LbOperation = z.infer<typeof lbOperationSchema>;

/** Settings of the procedures that route by loadbalancer.xml. */
export const lbSettingsSchema = z
  .object({
    /** Clusters in the order the upgrade takes them; the estate's active clusters in estate order when absent. */
    clusterOrder: z.array(z.string().min(1)).optional(),
    /** Longest wait for requests still in flight in the servers after the quiescing period (seed: "plus a sufficient time"). */
    inFlightSeconds: z.number().int().min(0).max(3600).default(60),
    /** `clusterOperation` only: what to do. */
    operation: lbOperationSchema.optional(),
  })
  .strict();
export type LbSettings = z.infer<typeof lbSettingsSchema>;

/** What a rolling upgrade without versioning (seed 000) does with an instance's sessions across its restart. */
export const glassfishSessionModes = {
  /**
   * Seed 000 steps 5, 8 and 10: the sessions still on the instance after its quiesce (`quiesceSeconds`)
   * are backed up, kept across the restart and restored, then reconciled.
   */
  preserve: 'preserve',
  /** Wait for the instance's sessions to end before the stop (the drain policy): for applications whose sessions cannot be stored. */
  drain: 'drain',
} as const;

/**
 * Settings of the GlassFish family's rolling upgrades (seeds 000 and 001), on one cluster or
 * deployment group of a GlassFish 3.1+ or Payara domain.
 */
export const glassfishSettingsSchema = z
  .object({
    /** The cluster (deployment group); the estate's only active cluster when absent. */
    cluster: z.string().min(1).optional(),
    /** The order instances are upgraded in; the estate's order when absent. */
    instanceOrder: z.array(z.string().min(1)).optional(),
    /** The application's context root; the estate lab's when absent, else `/<app>`. */
    contextRoot: z.string().startsWith('/').optional(),
    /** Longest wait at the load balancer for requests still in flight once an instance is out of routing. */
    inFlightSeconds: z.number().int().min(0).max(3600).default(10),
    /** Longest wait for an instance to answer the new version after its switch or restart. */
    checkSeconds: z.number().int().min(1).max(3600).default(120),
    /**
     * Seed 000 step 1, the load balancer's ramp-up when an instance comes back: 0 gives it full
     * weight at once (the seed's `load-increase-factor=1`, `load-factor-increase-period-in-seconds=0`);
     * more raises its weight step by step over that many seconds.
     */
    rampUpSeconds: z.number().int().min(0).max(3600).default(0),
    /**
     * `rollingUpgrade` with `preserve`: how long an instance, out of new-session routing, keeps
     * serving its own users before it stops. Users who are active end their visits meanwhile; the
     * session store keeps the rest (HAProxy cannot hand a live session to another instance, as the
     * seed's converged load balancer did with replicated sessions).
     */
    quiesceSeconds: z.number().int().min(1).max(24 * 3600).default(60),
    /** `rollingUpgrade` only: keep sessions across each restart through the session store, or drain them first. */
    sessions: z.enum([glassfishSessionModes.preserve, glassfishSessionModes.drain]).default(glassfishSessionModes.preserve),
  })
  .strict();
export type GlassfishSettings = z.infer<typeof glassfishSettingsSchema>;

/** The workflow types, one per procedure (DESIGN, "Workflow types"). */
export const workflowTypes = {
  multiCellRollout: 'multiCellRollout',
  singleCellRollout: 'singleCellRollout',
  javaClientRollout: 'javaClientRollout',
  editionRollout: 'editionRollout',
  multiClusterUpgrade: 'multiClusterUpgrade',
  clusterOperation: 'clusterOperation',
  versionedRollingUpgrade: 'versionedRollingUpgrade',
  rollingUpgrade: 'rollingUpgrade',
} as const;
export type WorkflowType = (typeof workflowTypes)[keyof typeof workflowTypes];

export const rolloutRequestSchema = z
  .object({
    /** The procedure (workflow type) the CLI starts; the Temporal UI chooses it in its own field. */
    procedure: z.enum([workflowTypes.multiCellRollout, workflowTypes.singleCellRollout, workflowTypes.javaClientRollout, workflowTypes.editionRollout, workflowTypes.multiClusterUpgrade, workflowTypes.clusterOperation, workflowTypes.versionedRollingUpgrade, workflowTypes.rollingUpgrade]).optional(),
    app: z.string().min(1).max(128),
    fromVersion: version,
    toVersion: version,
    /** What to install: a path or URL to the EAR, or `lab:<version>` (and `lab:broken`) in the lab. */
    artifact: z.string().min(1),
    /** The estate itself, or the name of a file in the worker's TURNOUT_ESTATES folder. */
    estate: z.union([z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, 'an estate name is a file name in TURNOUT_ESTATES, without folders'), estateSchema]),
    strategy: strategySchema.default(() => strategySchema.parse({})),
    drain: drainPolicySchema.default(() => drainPolicySchema.parse({})),
    /** Seconds a newly routed cell or group runs under production load before the next phase. */
    burnInSeconds: seconds.default(300),
    approvals: approvalPolicySchema.default(() => approvalPolicySchema.parse({})),
    windows: windowsSchema.optional(),
    smokeTest: smokeTestSchema.default(() => smokeTestSchema.parse({})),
    rollback: rollbackPolicySchema.default(() => rollbackPolicySchema.parse({})),
    /** Before each phase ends and before success, every server that should run N+1 is checked. */
    verify: verifyPolicySchema.default(() => verifyPolicySchema.parse({})),
    /** When a run continues as new (see {@link historyPolicySchema}); absent means every 5,000 events. */
    history: historyPolicySchema.optional(),
    /** The edition rollout's settings (`editionRollout` only). */
    edition: editionSettingsSchema.optional(),
    /** The loadbalancer.xml procedures' settings (`multiClusterUpgrade`, `clusterOperation`). */
    lb: lbSettingsSchema.optional(),
    /** The GlassFish family's settings (`versionedRollingUpgrade`, `rollingUpgrade`). */
    glassfish: glassfishSettingsSchema.optional(),
    /** Who starts the rollout; four-eyes approval compares approvers against it. */
    startedBy: z.string().min(1).max(128).optional(),
    /** Who is told when the rollout needs a person or ends; the estate's `notify` targets are told too. */
    notify: notifyListSchema.optional(),
  })
  .strict()
  .refine((r) => r.edition?.rolloutType !== 'atomic' || r.edition.groupSize === 1, {
    path: ['edition', 'groupSize'],
    message: 'an atomic rollout always moves half the cluster at a time: groupSize applies to grouped rollouts only',
  })
  .refine((r) => r.edition === undefined || !r.edition.fullDrainageInterval || r.edition.drainageIntervalSeconds > 0, {
    path: ['edition', 'fullDrainageInterval'],
    message: 'a full drainage interval needs drainageIntervalSeconds above 0',
  })
  .refine((r) => r.fromVersion !== r.toVersion, { path: ['toVersion'], message: 'toVersion must differ from fromVersion' })
  // A versioned rolling upgrade keeps N deployed beside N+1: its rollback enables N again, it reinstalls nothing.
  .refine((r) => !r.rollback.reinstallPrevious || r.rollback.previousArtifact !== undefined || r.artifact.startsWith('lab:') || r.procedure === workflowTypes.versionedRollingUpgrade, {
    path: ['rollback', 'previousArtifact'],
    message: 'say what to reinstall for the previous version when rolling back (or set reinstallPrevious to false)',
  });
/** A request as written (defaults optional). */
export type RolloutRequestInput = z.input<typeof rolloutRequestSchema>;
/** A validated request, with defaults filled in. */
export type RolloutRequest = z.infer<typeof rolloutRequestSchema>;

/** The artifact that reinstalls version N on rollback. */
export function previousArtifactOf(request: RolloutRequest): string {
  return request.rollback.previousArtifact ?? `lab:${request.fromVersion}`;
}
