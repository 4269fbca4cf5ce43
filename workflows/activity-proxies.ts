/**
 * Activity proxies with the timeouts and retries each kind of step needs. Mutating activities are
 * idempotent, so retrying them is safe; a smoke test that saw the wrong version is not retried.
 */
import { ActivityCancellationType, patched, proxyActivities as sdkProxyActivities, proxyLocalActivities, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/rollout-types';
import type { EditionActivities } from '../activities/edition-types';
import type { LbActivities } from '../activities/lb-types';
import type { GlassfishActivities } from '../activities/glassfish-types';
import type { NotifyActivities } from '../activities/notify-types';
import type { DrainPolicy } from '../src/model';
import { failureTypes } from './failure-types';
import { withEstateRefs } from './estate-refs';

const nonRetryableErrorTypes = [failureTypes.invalidInput, failureTypes.smokeTestFailed, failureTypes.planningRefused];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own activity function shape
type AnyActivity = (...args: any[]) => Promise<any>;

/** An activity proxy function that also takes call-site options (the SDK adds `executeWithOptions`). */
export type WithOptions<F extends AnyActivity> = F & { executeWithOptions(options: { summary?: string }, args: Parameters<F>): Promise<Awaited<ReturnType<F>>> };
type Summarizable<T> = { [K in keyof T]: T[K] extends AnyActivity ? WithOptions<T[K]> : never };

/** The SDK's proxy, passing the rollout's estate by reference (see estate-refs.ts). */
export function proxyActivities<A extends object>(options: ActivityOptions): ActivityInterfaceFor<A> {
  return withEstateRefs(sdkProxyActivities<A>(options));
}

/**
 * Calls an activity with a one-line summary that the Temporal UI shows in the timeline, so the
 * timeline reads like the plan.
 */
export function summarized<F extends AnyActivity>(fn: WithOptions<F>, summary: string, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> {
  return fn.executeWithOptions({ summary: summary.length > 200 ? `${summary.slice(0, 197)}...` : summary }, args);
}

/** Short activities: routing, installs, virtual hosts, snapshots. */
export const acts: Summarizable<RolloutActivities> = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '3 minutes',
  // Routing changes run to completion even during a rollback, so the sprayer is never left half-set.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 8, nonRetryableErrorTypes },
});

/**
 * The cluster steps' activities (plugin-cfg.xml, servers, bindings): the short activities' options,
 * and a heartbeat timeout, since they say they are alive every 5 s. A worker killed mid-distribution
 * is noticed in seconds and the idempotent write runs again elsewhere, not after three minutes.
 */
export const clusterActs: Summarizable<RolloutActivities> = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 8, nonRetryableErrorTypes },
});

const localActs = proxyLocalActivities<RolloutActivities>({
  startToCloseTimeout: '3 minutes',
  // Past this, retries are scheduled as timers rather than held inside one workflow task.
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 8, nonRetryableErrorTypes },
});

const localSmoke = proxyLocalActivities<Pick<RolloutActivities, 'smokeTest'>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 2, nonRetryableErrorTypes },
});

/**
 * The activities of short steps (routing, installs, virtual hosts, snapshots, the smoke test). They
 * run as local activities: each saves the server round trip a regular activity costs (schedule,
 * poll, complete, next workflow task), which was most of the engine's overhead per step. Patched,
 * so histories recorded with regular activities still replay.
 */
export function shortActs(): Summarizable<ShortActivities> {
  const [a, t] = patched('short-steps-as-local-activities') ? [localActs, localSmoke] : [acts, smoke];
  return pickShort(a, t);
}

type ShortActivities = Pick<
  RolloutActivities,
  'resolveEstate' | 'findTargetOwner' | 'takeOverTargetLease' | 'snapshotRouting' | 'routeCell' | 'restoreRouting' | 'installApp' | 'switchVirtualHost' | 'smokeTest' | 'checkRouting' | 'correctRouting' | 'verifyServers' | 'checkManagedFiles' | 'adoptForeignFiles' | 'checkPluginCfgAutomation'
>;

function pickShort(a: Summarizable<RolloutActivities>, t: Summarizable<Pick<RolloutActivities, 'smokeTest'>>): Summarizable<ShortActivities> {
  // The proxies are Proxy objects with no own keys: pick each function by name, do not spread.
  const { resolveEstate, findTargetOwner, takeOverTargetLease, snapshotRouting, routeCell, restoreRouting, installApp, switchVirtualHost, checkRouting, correctRouting, verifyServers, checkManagedFiles, adoptForeignFiles, checkPluginCfgAutomation } = a;
  return { resolveEstate, findTargetOwner, takeOverTargetLease, snapshotRouting, routeCell, restoreRouting, installApp, switchVirtualHost, checkRouting, correctRouting, verifyServers, checkManagedFiles, adoptForeignFiles, checkPluginCfgAutomation, smokeTest: t.smokeTest };
}

/**
 * A rollback step gives up its attempt quickly and the workflow retries it, with a visible block,
 * for as long as it takes: the person watching sees why, instead of a silent minute of retries.
 */
const rollbackRetry = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes } as const;

const rollbackLocal = proxyLocalActivities<RolloutActivities>({ startToCloseTimeout: '3 minutes', retry: rollbackRetry });
const rollbackRegular = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '3 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: rollbackRetry,
});

/** The short activities of rollback steps: the same kinds (local or not) as {@link shortActs}, with short attempts. */
export function rollbackShortActs(): Summarizable<ShortActivities> {
  return pickShort(patched('short-steps-as-local-activities') ? rollbackLocal : rollbackRegular, smoke);
}

/** The regular activities of rollback steps (files, servers, bindings), with short attempts. */
export const rollbackActs: Summarizable<RolloutActivities> = rollbackRegular;

/** The smoke test: one attempt per step; its own requests already tolerate a slow start. */
export const smoke = proxyActivities<Pick<RolloutActivities, 'smokeTest'>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 2, nonRetryableErrorTypes },
});

/**
 * The drain: long, heartbeating (a restarted worker resumes from the last heartbeat), and
 * cancelled at once by a rollback since it only reads.
 */
export function drainActivities(policy: DrainPolicy): Summarizable<Pick<RolloutActivities, 'drainServers'>> {
  return proxyActivities<Pick<RolloutActivities, 'drainServers'>>({
    startToCloseTimeout: `${policy.maxWaitSeconds + 300} seconds`,
    heartbeatTimeout: `${Math.max(10, policy.pollIntervalSeconds * 3)} seconds`,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 20, nonRetryableErrorTypes },
  });
}

/**
 * Regular activities of a procedure's own steps, run to completion even during a rollback (so no
 * router or file is left half-set), with the forward retries or, inside a rollback, short attempts
 * that `tracked` retries with a visible block.
 */
function procedureActs<T>(startToCloseTimeout: '3 minutes' | '10 minutes', rollback: boolean): Summarizable<T> {
  const retry = rollback ? rollbackRetry : ({ initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 8, nonRetryableErrorTypes } as const);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's proxy is typed by T through the cast
  return proxyActivities<any>({ startToCloseTimeout, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED, retry }) as Summarizable<T>;
}

/** The edition rollout's routing, resets and bindings. */
export const editionActs = procedureActs<EditionActivities>('10 minutes', false);
/** The edition rollout's steps inside a rollback. */
export const rollbackEditionActs = procedureActs<EditionActivities>('10 minutes', true);
/** The loadbalancer.xml activities, so no load balancer is left with another's bytes. */
export const lbActs = procedureActs<LbActivities>('3 minutes', false);
/** The loadbalancer.xml activities inside a rollback. */
export const rollbackLbActs = procedureActs<LbActivities>('3 minutes', true);

/**
 * The GlassFish family's deploys, switches, checks and session store (asadmin calls of seconds each,
 * a deploy of a minute): they heartbeat while they run, so a worker that dies mid-call is noticed in
 * seconds and the call runs again elsewhere (each is idempotent), not after the ten-minute limit.
 */
function glassfishProxies(rollback: boolean): Summarizable<GlassfishActivities> {
  const retry = rollback ? rollbackRetry : ({ initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 8, nonRetryableErrorTypes } as const);
  return proxyActivities<GlassfishActivities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '20 seconds', cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED, retry }) as Summarizable<GlassfishActivities>;
}
export const glassfishActs = glassfishProxies(false);
/** The GlassFish family's activities inside a rollback. */
export const rollbackGlassfishActs = glassfishProxies(true);

/** A quiesce: heartbeating (a restarted worker resumes the same wait), cancelled at once by a rollback since it only reads. */
export function quiesceActivities(limitSeconds: number): Summarizable<Pick<EditionActivities, 'quiesceMembers'>> {
  return proxyActivities<Pick<EditionActivities, 'quiesceMembers'>>({
    startToCloseTimeout: `${limitSeconds + 120} seconds`,
    heartbeatTimeout: '10 seconds',
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 20, nonRetryableErrorTypes },
  });
}

/** Attempts per notification: the first and two retries. */
export const notifyAttempts = 3;

/**
 * The notification activity, with its own retries: three attempts of the target's timeout each,
 * a second apart then two. Its failures are the caller's to record, never to raise.
 */
export function notifyActivities(timeoutSeconds: number): Pick<NotifyActivities, 'deliverNotification'> {
  return proxyActivities<NotifyActivities>({
    startToCloseTimeout: `${timeoutSeconds + 5} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: notifyAttempts, nonRetryableErrorTypes: [failureTypes.notifyRefused] },
  });
}
