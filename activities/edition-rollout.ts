/**
 * The edition rollout's activities (seed 003): members in and out of routing at the on-demand
 * router, the quiesce of requests still in flight, the soft or hard reset with its check, and the
 * validation clone's bindings. Each is idempotent; the quiesce heartbeats and resumes its wait.
 */
import { Context, log } from '@temporalio/activity';
import type { Estate } from '../src/model';
import type { Drivers } from '../src/drivers';
import type { RoutingSnapshot } from './rollout-types';
import type { EditionActivities, QuiesceInput, QuiesceResult, ResetMembersInput, ResetMembersResult, RouteMembersInput, ValidationBindingsInput, ValidationBindingsResult } from './edition-types';

/** How often a quiesce reads the in-flight counts: in-flight requests end in milliseconds, not minutes. */
const quiescePollMs = 250;

/** The prefix of a cluster's resource bindings, or of its validation clone's. */
export function resourcePrefix(cluster: string, validation: boolean): string {
  return `clusters/${cluster}${validation ? '-validation' : ''}/`;
}

async function readInFlight(d: Drivers, input: QuiesceInput): Promise<QuiesceResult['inFlight']> {
  try {
    if (input.at === 'router') {
      const rows = new Map((await d.sprayer().inFlight()).map((r) => [r.server, r.inFlight]));
      return input.servers.map((name) => {
        const n = rows.get(name);
        return n === undefined ? { name, inFlight: null, problem: 'not a server of the router' } : { name, inFlight: n };
      });
    }
    const read = new Map((await d.appServer().inFlight(input.servers)).map((r) => [r.name, r]));
    return input.servers.map((name) => read.get(name) ?? { name, inFlight: null, problem: 'not reported' });
  } catch (err) {
    const problem = (err as Error).message.slice(0, 300);
    return input.servers.map((name) => ({ name, inFlight: null, problem }));
  }
}

function clusterResources(estate: Estate, cluster: string): Record<string, string> {
  return estate.cells.flatMap((c) => c.clusters).find((k) => k.name === cluster)?.resources ?? {};
}

/** Builds the edition activities over the estate's drivers. */
export function createEditionActivities(drivers: (estate: Estate) => Drivers): EditionActivities {
  return {
    async routeMembers(input: RouteMembersInput): Promise<RoutingSnapshot> {
      const after = await drivers(input.estate).sprayer().setServerStates(input.states);
      log.info('members routed', { states: input.states });
      return after;
    },

    async quiesceMembers(input: QuiesceInput): Promise<QuiesceResult> {
      const ctx = Context.current();
      const startedAt = (ctx.info.heartbeatDetails as { startedAt?: number } | undefined)?.startedAt ?? Date.now();
      const deadline = startedAt + input.limitSeconds * 1000;
      const d = drivers(input.estate);
      for (;;) {
        const inFlight = await readInFlight(d, input);
        ctx.heartbeat({ startedAt });
        const quiet = inFlight.every((s) => s.inFlight === 0);
        if (quiet || Date.now() >= deadline) return { quiet, waitedSeconds: Math.round((Date.now() - startedAt) / 100) / 10, inFlight };
        await ctx.sleep(Math.min(quiescePollMs, Math.max(0, deadline - Date.now())));
      }
    },

    async resetMembers(input: ResetMembersInput): Promise<ResetMembersResult> {
      const app = drivers(input.estate).appServer();
      const outcomes = await app.resetServers({ app: input.app, servers: input.servers, version: input.version, artifact: input.artifact, reset: input.reset });
      const probes = new Map((await app.probe(input.servers)).map((p) => [p.name, p]));
      const members = input.servers.map((name) => {
        const outcome = outcomes.find((o) => o.name === name);
        const probe = probes.get(name);
        const pid = outcome?.pid === undefined ? {} : { pid: outcome.pid };
        if (!outcome?.ok) return { name, ok: false, problem: outcome?.problem ?? 'the reset reported nothing for this member', ...pid };
        if (!probe?.answering) return { name, ok: false, problem: `not answering after the reset${probe?.problem ? `: ${probe.problem}` : ''}`, ...pid };
        if (probe.version !== input.version) return { name, ok: false, problem: `answers ${probe.version ?? 'nothing'}, not ${input.version}`, ...pid };
        return { name, ok: true, ...pid };
      });
      log.info('members reset', { reset: input.reset, version: input.version, members });
      return { members };
    },

    async validationBindings(input: ValidationBindingsInput): Promise<ValidationBindingsResult> {
      const naming = drivers(input.estate).naming();
      const validation = resourcePrefix(input.cluster, true);
      if (input.action === 'bind') {
        for (const [name, value] of Object.entries(clusterResources(input.estate, input.cluster))) await naming.bind(`${validation}${name}`, value);
      } else {
        for (const { name, value } of await naming.list(validation)) {
          // Promote binds the original name before the validation name goes, so a lookup never finds neither.
          if (input.action === 'promote') await naming.bind(`${resourcePrefix(input.cluster, false)}${name.slice(validation.length)}`, value);
          await naming.unbind(name);
        }
      }
      const left = (await naming.list(validation)).map((b) => b.name);
      log.info('validation bindings', { action: input.action, cluster: input.cluster, validation: left });
      return { validation: left };
    },
  };
}
