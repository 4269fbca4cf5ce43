/**
 * The rollout activities: thin, idempotent calls into the drivers. Long waits heartbeat their
 * progress and resume from the last heartbeat after a worker restart.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Estate } from '../src/model';
import { driversFor, type DriverOptions, type Drivers } from '../src/drivers';
import { runSmokeTest, SmokeTestError } from '../src/drivers/smoke-test/http-smoke-test';
import type { SprayerSnapshot } from '../src/drivers/sprayer/sprayer';
import type { SessionCounter } from '../src/drivers/sessions/sessions';
import { waitForDrain, type DrainProgressView } from './drain';
import { failureTypes } from '../workflows/failure-types';
import { createClusterActivities } from './cluster-rollout';
import type { BlobStore } from '../src/drivers/blob-store/blob-store';
import { createEditionActivities } from './edition-rollout';
import { createLbActivities } from './lb-rollout';
import { createGlassfishActivities } from './glassfish-rollout';
import { createAppServerStartActivities } from './app-server-start';
import { createRoutingGuardActivities } from './routing-guard';
import { createManagedFileActivities } from './managed-files';
import { drainProgressSignal } from '../workflows/messages';
import { targetLeaseId } from '../workflows/target-lease';
import { leaseHolder } from '../src/temporal/target-lease-holder';
import type { DrainInput, DrainResult, InstallInput, LeaseTakeOver, RestoreRoutingInput, RouteCellInput, RoutingCounts, RoutingSnapshot, SmokeTestInput, SmokeTestResult, VirtualHostInput } from './rollout-types';

/** What the rollout activities need from the worker. */
export interface RolloutActivityDeps extends DriverOptions {
  /** Used to tell workflows about drain progress and to find who holds a target. */
  client?: Client;
  /** Drivers for an estate; tests may pass their own factory. */
  drivers?: (estate: Estate) => Drivers;
  /** Where generated files go, so that history holds only their hashes; `createActivities` supplies it. */
  blobs: BlobStore;
}

function countsOf(snapshot: RoutingSnapshot): RoutingCounts {
  const counts: RoutingCounts = { servers: snapshot.servers.length };
  for (const s of snapshot.servers) counts[s.state] = (counts[s.state] ?? 0) + 1;
  return counts;
}

/** The routing to put back: as before, but cells still holding N+1 take no new sessions. */
function restoreTarget(input: RestoreRoutingInput): SprayerSnapshot {
  const hold = new Set(input.hold);
  const servers = input.snapshot.servers.map((s) => (s.cell && hold.has(s.cell) && s.state === 'ready' ? { ...s, state: 'drain' as const } : s));
  return { ...input.snapshot, servers };
}

/** What a drain counts: HTTP sessions, or (Java clients) ORB connections, in the same shape. */
function countersFor(d: Drivers, measure: DrainInput['measure']): SessionCounter {
  if (measure !== 'connections') return d.sessions();
  return { liveSessions: async (servers) => (await d.appServer().connections(servers)).map((c) => ({ name: c.name, sessions: c.connections })) };
}

/** Builds the rollout activities around the worker's dependencies. */
export function createRolloutActivities(deps: RolloutActivityDeps) {
  const drivers = (estate: Estate): Drivers => (deps.drivers ?? ((e) => driversFor(e, deps)))(estate);

  /** Reports progress to the workflow; false when the workflow has ended (the drain is then moot). */
  async function tellWorkflow(stepId: string, view: DrainProgressView, deadline: string): Promise<boolean> {
    const execution = Context.current().info.workflowExecution;
    if (!deps.client || !execution) return true;
    try {
      await deps.client.workflow.getHandle(execution.workflowId, execution.runId).signal(drainProgressSignal, { stepId, ...view, deadline });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      // Progress is for people watching; the drain itself does not depend on it.
      log.warn('could not report drain progress', { error: (err as Error).message });
    }
    return true;
  }

  /** HAProxy's `scur` for the cell's sprayer servers: TCP connections, a second source beside the session counts. */
  async function cellConnections(input: DrainInput): Promise<number | undefined> {
    if (!input.cell || !input.estate.sprayer) return undefined;
    try {
      const rows = await drivers(input.estate).sprayer().connections();
      return rows.filter((r) => r.cell === input.cell).reduce((sum, r) => sum + r.currentConnections, 0);
    } catch (err) {
      log.warn('could not read sprayer connections', { error: (err as Error).message });
      return undefined;
    }
  }

  return {
    ...createClusterActivities(drivers, deps.blobs),
    ...createRoutingGuardActivities(drivers, deps.blobs),
    ...createManagedFileActivities(drivers),
    ...createEditionActivities(drivers),
    ...createLbActivities(drivers, deps.baseDir),
    ...createGlassfishActivities(drivers),
    ...createAppServerStartActivities(drivers),

    async findTargetOwner(target: string): Promise<string | null> {
      if (!deps.client) return null;
      try {
        const d = await deps.client.workflow.getHandle(targetLeaseId(target)).describe();
        return d.status.name === 'RUNNING' ? (d.parentExecution?.workflowId ?? null) : null;
      } catch {
        return null;
      }
    },

    async takeOverTargetLease(target: string): Promise<LeaseTakeOver> {
      const client = deps.client;
      if (!client) return { owner: null, takenOver: false };
      const held = await leaseHolder(client, target);
      if (!held) return { owner: null, takenOver: false };
      if (held.ownerRunning) return { owner: held.owner, takenOver: false };
      const claimant = Context.current().info.workflowExecution?.workflowId ?? 'another rollout';
      try {
        // This lease's run only: a lease someone claimed meanwhile is not ended.
        await client.workflow.getHandle(targetLeaseId(target), held.leaseRunId).terminate(`${held.owner} closed without releasing ${target}; taken over by ${claimant}`);
      } catch (err) {
        // Already ended (by a twin attempt of this activity, or released just now): nothing to do.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      log.info('target lease taken over', { target, from: held.owner, by: claimant });
      return { owner: held.owner, takenOver: true };
    },

    async snapshotRouting(estate: Estate): Promise<RoutingSnapshot> {
      return drivers(estate).sprayer().snapshot();
    },

    async routeCell(input: RouteCellInput): Promise<RoutingCounts> {
      const after = await drivers(input.estate).sprayer().setCellState(input.cell, input.state);
      log.info('cell routed', { cell: input.cell, state: input.state });
      return countsOf(after);
    },

    async restoreRouting(input: RestoreRoutingInput): Promise<RoutingCounts> {
      const after = await drivers(input.estate).sprayer().restore(restoreTarget(input));
      log.info('routing restored', { hold: input.hold });
      return countsOf(after);
    },

    async drainServers(input: DrainInput): Promise<DrainResult> {
      const counter = countersFor(drivers(input.estate), input.measure);
      const { workflowGone, ...outcome } = await waitForDrain(input, counter, (view, deadline) => tellWorkflow(input.stepId, view, deadline));
      if (workflowGone) return outcome;
      const sprayerConnections = await cellConnections(input);
      return { ...outcome, ...(sprayerConnections === undefined ? {} : { sprayerConnections }) };
    },

    async installApp(input: InstallInput): Promise<void> {
      await drivers(input.estate).appServer().install({ app: input.app, clusters: input.clusters, version: input.version, artifact: input.artifact, virtualHost: input.virtualHost });
      log.info('installed', { app: input.app, version: input.version, clusters: input.clusters, virtualHost: input.virtualHost });
    },

    async switchVirtualHost(input: VirtualHostInput): Promise<void> {
      await drivers(input.estate).appServer().setVirtualHost({ app: input.app, clusters: input.clusters, virtualHost: input.virtualHost, restart: input.restart });
      log.info('virtual host switched', { clusters: input.clusters, virtualHost: input.virtualHost, restart: input.restart });
    },

    async smokeTest(input: SmokeTestInput): Promise<SmokeTestResult> {
      try {
        return await runSmokeTest(input.urls, input.expectVersion, input.policy.requests, input.policy.timeoutSeconds);
      } catch (err) {
        if (err instanceof SmokeTestError) throw ApplicationFailure.nonRetryable(err.message, failureTypes.smokeTestFailed);
        throw err;
      }
    },
  };
}

/** The rollout activities as workflows see them. */
export type RolloutActivityFunctions = ReturnType<typeof createRolloutActivities>;
