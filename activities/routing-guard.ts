/**
 * The activities behind "routing is verified, not assumed" and "a dead N+1 server blocks success":
 * re-reading the routing turnout set (the sprayer, plugin-cfg.xml, the bindings), putting it back,
 * and asking each server whether it is up and answering with the version it should run.
 *
 * Watching only reads; the workflow decides when to correct, so a rollback never races a correction.
 */
import { Context, log } from '@temporalio/activity';
import type { BindingValue, Estate } from '../src/model';
import type { Drivers } from '../src/drivers';
import { encodePluginCfg } from '../src/drivers/plugin-cfg';
import { sha256Hex } from '../src/drivers/web-tier/plugin-cfg-store';
import type { SprayerSnapshot } from '../src/drivers/sprayer/sprayer';
import type { BlobStore } from '../src/drivers/blob-store/blob-store';
import { createClusterActivities, fileForStage } from './cluster-rollout';
import { foreignFiles } from './managed-files';
import type { CheckRoutingInput, ExpectedRouting, RoutingDrift, VerifyServersInput, VerifyServersResult, WatchRoutingInput } from './rollout-types';

/** A watcher returns after this long without drift; the workflow starts another, so no attempt runs forever. */
const watchSpanMs = 60 * 60 * 1000;

function sprayerDrift(now: SprayerSnapshot, want: SprayerSnapshot, found: string[], cells: Set<string>): void {
  for (const w of want.servers) {
    const got = now.servers.find((s) => s.name === w.name);
    if (!got) {
      found.push(`sprayer server ${w.name} is missing`);
    } else if (got.state !== w.state || got.weight !== w.weight) {
      found.push(`${w.name} is ${got.state} (weight ${got.weight}), turnout set ${w.state} (weight ${w.weight})`);
      if (w.cell) cells.add(w.cell);
    }
  }
  const keys = new Set([...Object.keys(now.affinity), ...Object.keys(want.affinity)]);
  const differing = [...keys].filter((k) => now.affinity[k] !== want.affinity[k]).length;
  if (differing > 0) found.push(`${differing} affinity map entr${differing === 1 ? 'y differs' : 'ies differ'}`);
}

/** Whether two binding values point the same way (drivers may return their fields in any order). */
function sameBinding(a: BindingValue, b: BindingValue): boolean {
  if (a.kind === 'string' && b.kind === 'string') return a.jndiName === b.jndiName && a.value === b.value;
  if (a.kind === 'indirect' && b.kind === 'indirect') return a.jndiName === b.jndiName && a.providerUrl === b.providerUrl && a.binding === b.binding;
  return false;
}

/** Builds the routing-guard and server-check activities over the estate's drivers. */
export function createRoutingGuardActivities(drivers: (estate: Estate) => Drivers, blobs: BlobStore) {
  const cluster = createClusterActivities(drivers, blobs);

  async function driftOf(estate: Estate, expected: ExpectedRouting, foreign = false): Promise<RoutingDrift> {
    const found: string[] = [];
    const cells = new Set<string>();
    const d = drivers(estate);
    if (expected.sprayer) sprayerDrift(await d.sprayer().snapshot(), expected.sprayer, found, cells);
    // A rewritten file is someone else's decision to look at, not drift to put back (issue 13).
    const files = foreign && expected.pluginCfg ? await foreignFiles(d, estate, { pluginCfg: expected.pluginCfg }) : undefined;
    if (expected.pluginCfg && !foreign) {
      const want = sha256Hex(encodePluginCfg(fileForStage({ estate, ...expected.pluginCfg })));
      for (const h of estate.cells.flatMap((c) => c.httpServers)) {
        const bytes = await d.pluginCfg(h.name).read();
        if (bytes === null || sha256Hex(bytes) !== want) found.push(`${h.name}'s plugin-cfg.xml is not the ${expected.pluginCfg.stage} file turnout wrote`);
      }
    }
    if (expected.bindings) {
      const now = await d.naming().read(expected.bindings.map((b) => b.name));
      for (const want of expected.bindings) {
        const got = now.find((b) => b.name === want.name);
        if (!got || !sameBinding(got, want)) found.push(`binding ${want.name} is not what turnout set`);
      }
    }
    return { found, cells: [...cells], ...(files?.length ? { files } : {}) };
  }

  return {
    async watchRouting(input: WatchRoutingInput): Promise<RoutingDrift> {
      const ctx = Context.current();
      const until = Date.now() + watchSpanMs;
      for (;;) {
        try {
          const drift = await driftOf(input.estate, input.expected, input.foreignFiles === true);
          if (drift.found.length > 0 || drift.files?.length) return drift;
        } catch (err) {
          // What cannot be read is not drift: the watch goes on, and the step that needs it will say so.
          log.warn('routing guard could not read the routing', { error: (err as Error).message });
        }
        ctx.heartbeat();
        if (Date.now() >= until) return { found: [], cells: [] };
        await ctx.sleep(input.pollIntervalSeconds * 1000);
      }
    },

    async checkRouting(input: CheckRoutingInput): Promise<RoutingDrift> {
      return driftOf(input.estate, input.expected);
    },

    async correctRouting(input: CheckRoutingInput): Promise<RoutingDrift> {
      const { estate, expected } = input;
      const drift = await driftOf(estate, expected);
      if (drift.found.length === 0) return drift;
      if (expected.sprayer) await drivers(estate).sprayer().restore(expected.sprayer);
      if (expected.pluginCfg) await cluster.distributePluginCfg({ estate, ...expected.pluginCfg });
      if (expected.bindings) await drivers(estate).naming().set(expected.bindings);
      log.info('routing put back', { drift: drift.found });
      return drift;
    },

    async verifyServers(input: VerifyServersInput): Promise<VerifyServersResult> {
      let probes: Awaited<ReturnType<ReturnType<Drivers['appServer']>['probe']>>;
      try {
        probes = await drivers(input.estate).appServer().probe(input.servers);
      } catch (err) {
        // A server nobody could ask is not known to be up: it counts as dead until someone looks.
        return { dead: input.servers.map((name) => ({ name, problem: `could not be checked: ${(err as Error).message}` })) };
      }
      const dead = input.servers.flatMap((name) => {
        const p = probes.find((x) => x.name === name);
        if (!p) return [{ name, problem: 'not reported' }];
        if (!p.answering) return [{ name, problem: p.problem ?? 'not answering' }];
        if (p.version !== input.version) return [{ name, problem: `answers ${p.version ?? 'no version'}` }];
        return [];
      });
      return { dead };
    },
  };
}
