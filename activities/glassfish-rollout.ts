/**
 * The GlassFish family's activities (seeds 000 and 001): versioned deploys, the per-instance switch
 * with its check through the instance's own port, giving an instance back to the load balancer
 * (ramping its weight when asked), dynamic reconfiguration, and the session store. Each is
 * idempotent: the driver checks the state before it changes anything, and the checks only read.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { Estate } from '../src/model';
import type { Drivers } from '../src/drivers';
import { isGlassfishDriver, type GlassfishAppServerDriver, type InstanceVersions } from '../src/drivers/app-server/app-server';
import type { SprayerSnapshot } from '../src/drivers/sprayer/sprayer';
import { failureTypes } from '../workflows/failure-types';
import type { EnableInstanceInput, GlassfishActivities, SwitchVersionResult } from './glassfish-types';

/** How often a check asks the instance: the switch's 404 window is about a second and a half. */
const checkPollMs = 100;
/** Weight steps per ramp: enough to be gradual, few enough to stay a handful of Runtime API calls. */
const rampSteps = 5;

/** How often a GlassFish activity tells the server it is alive while an asadmin call runs (a deploy takes tens of seconds). */
const keepAliveMs = 5000;

/**
 * Runs `fn` while heartbeating every few seconds, so a worker that dies mid-call is noticed within
 * the proxy's heartbeat timeout, not at the end of the activity's whole time limit. `details` is
 * what a retried attempt resumes from.
 */
async function keepingAlive<T>(details: unknown, fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const beat = () => ctx.heartbeat(details);
  beat();
  const timer = setInterval(beat, keepAliveMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

function glassfishOf(drivers: Drivers): GlassfishAppServerDriver {
  const app = drivers.appServer();
  if (!isGlassfishDriver(app)) throw ApplicationFailure.nonRetryable('the estate\'s app-server driver is not of the GlassFish family (appServer.driver must be "asadmin")', failureTypes.invalidInput);
  return app;
}

/**
 * Waits until the instance answers `version` through its own port, heartbeating; fails without
 * retry when it has not within the limit, since asking again would not change what it serves.
 */
async function awaitAnswer(app: GlassfishAppServerDriver, instance: string, version: string, checkSeconds: number, startedAt: number): Promise<number> {
  const ctx = Context.current();
  const deadline = startedAt + checkSeconds * 1000;
  for (;;) {
    const [probe] = await app.probe([instance]);
    if (probe?.answering && probe.version === version) return Date.now() - startedAt;
    ctx.heartbeat({ startedAt });
    if (Date.now() >= deadline) {
      const seen = probe?.answering ? `answers ${probe.version ?? 'nothing'}` : `does not answer${probe?.problem ? ` (${probe.problem})` : ''}`;
      throw ApplicationFailure.nonRetryable(`${instance} ${seen} ${checkSeconds}s after it should serve ${version}`, failureTypes.instanceCheckFailed);
    }
    await ctx.sleep(checkPollMs);
  }
}

function withServer(snapshot: SprayerSnapshot, instance: string, change: { state?: 'ready'; weight?: number }): SprayerSnapshot {
  return { ...snapshot, servers: snapshot.servers.map((s) => (s.name === instance ? { ...s, ...change } : s)) };
}

/** Seed 000 step 1 as HAProxy does it: the weight rises from 1 to the estate's over the ramp. */
async function ramp(drivers: Drivers, input: EnableInstanceInput): Promise<void> {
  const sprayer = drivers.sprayer();
  const full = input.estate.cells.flatMap((c) => c.clusters.flatMap((k) => k.servers)).find((s) => s.name === input.instance)?.weight ?? 1;
  const ctx = Context.current();
  for (let i = 1; i <= rampSteps; i++) {
    const weight = Math.max(1, Math.round((full * i) / rampSteps));
    await sprayer.restore(withServer(await sprayer.snapshot(), input.instance, { state: 'ready', weight }));
    ctx.heartbeat({ ramp: i });
    if (i < rampSteps) await ctx.sleep((input.rampUpSeconds * 1000) / rampSteps);
  }
}

async function versionsOf(app: GlassfishAppServerDriver, appName: string, instance: string): Promise<InstanceVersions> {
  const [v] = await app.instanceVersions(appName, [instance]);
  return v ?? { name: instance, enabled: [], serving: null, problem: 'not reported' };
}

/** Builds the GlassFish activities over the estate's drivers. */
export function createGlassfishActivities(drivers: (estate: Estate) => Drivers): GlassfishActivities {
  const glassfish = (estate: Estate) => glassfishOf(drivers(estate));
  return {
    async recordGlassfishStart(input) {
      const app = glassfish(input.estate);
      return keepingAlive({}, async () => ({ instances: await app.instanceVersions(input.app, input.instances), dynamicReconfig: await app.dynamicReconfiguration(input.cluster) }));
    },

    async deployVersion(input) {
      await keepingAlive({}, () => glassfish(input.estate).deployVersion({ app: input.app, version: input.version, artifact: input.artifact, cluster: input.cluster, contextRoot: input.contextRoot, enabled: input.enabled, versioned: input.versioned }));
      log.info('deployed', { app: input.app, version: input.version, cluster: input.cluster, enabled: input.enabled, versioned: input.versioned });
    },

    async switchVersion(input): Promise<SwitchVersionResult> {
      const app = glassfish(input.estate);
      // A retried attempt keeps the first one's start: the window it reports is the whole switch.
      const started = (Context.current().info.heartbeatDetails as { startedAt?: number } | undefined)?.startedAt ?? Date.now();
      return keepingAlive({ startedAt: started }, async () => {
        await app.switchVersion({ app: input.app, version: input.version, instance: input.instance });
        const switchMs = Date.now() - started;
        const answeredAfterMs = await awaitAnswer(app, input.instance, input.version, input.checkSeconds, started);
        const instance = await versionsOf(app, input.app, input.instance);
        log.info('instance switched', { instance: input.instance, version: input.version, switchMs, answeredAfterMs });
        return { instance, switchMs, answeredAfterMs };
      });
    },

    async enableInstance(input) {
      const d = drivers(input.estate);
      const app = glassfishOf(d);
      const started = Date.now();
      return keepingAlive({ startedAt: started }, async () => {
        await awaitAnswer(app, input.instance, input.version, input.checkSeconds, started);
        if (input.rampUpSeconds > 0) await ramp(d, input);
        else await d.sprayer().setServerStates({ [input.instance]: 'ready' });
        return versionsOf(app, input.app, input.instance);
      });
    },

    async setDynamicReconfig(input) {
      return keepingAlive({}, () => setReconfig(glassfish(input.estate), input));
    },

    async sessionStore(input) {
      const app = glassfish(input.estate);
      const cmd = { app: input.app, instance: input.instance };
      const report = await keepingAlive({}, () => (input.op === 'backup' ? app.backupSessions(cmd) : input.op === 'restore' ? app.restoreSessions(cmd) : app.reconcileSessions(cmd)));
      log.info('session store', { op: input.op, ...report });
      return report;
    },

    async instanceVersions(input) {
      return keepingAlive({}, () => glassfish(input.estate).instanceVersions(input.app, input.instances));
    },
  };
}

/** Sets dynamic reconfiguration and reads it back: the read, not the command's answer, says it took. */
async function setReconfig(app: GlassfishAppServerDriver, input: { cluster: string; enabled: boolean }): Promise<{ before: boolean; after: boolean }> {
  const before = await app.dynamicReconfiguration(input.cluster);
  if (before !== input.enabled) await app.setDynamicReconfiguration(input.cluster, input.enabled);
  const after = await app.dynamicReconfiguration(input.cluster);
  if (after !== input.enabled) throw new Error(`dynamic reconfiguration of ${input.cluster} reads ${after} after setting it to ${input.enabled}`);
  return { before, after };
}
