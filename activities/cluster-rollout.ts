/**
 * The activities of the single-cell and Java-client procedures (seed 002): plugin-cfg.xml snapshots,
 * generation and distribution, server start/stop, configured bindings and test Java clients. Each is
 * idempotent: a file already holding its bytes is not rewritten, a running server is not started
 * again, a binding already set is not set again.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { bindingValuesFor, type BindingValue, type Estate } from '../src/model';
import type { Drivers } from '../src/drivers';
import { writeAllOrNothing, writeEvery } from '../src/drivers/config-file';
import type { EjbProbeResult } from '../src/drivers/java-client/java-client';
import { sha256Hex } from '../src/drivers/web-tier/plugin-cfg-store';
import { applyEdits, FileEditConflict } from '../src/drivers/config-file/foreign-edit';
import { encodePluginCfg, finalPluginCfg, holdPluginCfg, mergePluginCfg, transitionPluginCfg, zeroWeightsPluginCfg } from '../src/drivers/plugin-cfg';
import { failureTypes } from '../workflows/failure-types';
import type { DistributePluginCfgInput, DistributeResult, EjbProbeInput, PluginCfgSnapshot, PluginCfgText, ServersInput } from './rollout-types';
import type { BlobRef, BlobStore } from '../src/drivers/blob-store/blob-store';

/** The HTTP servers of every cell, by name. */
export const httpServerNames = (estate: Estate): string[] => estate.cells.flatMap((c) => c.httpServers.map((h) => h.name));

/**
 * The file a stage writes, computed from the generated step-B file: the same input, the same bytes.
 * Foreign changes a person approved go on top of it, then turnout's own routing for the stage goes
 * on top again (the moves, the weights 0), so a kept change never undoes a move or a drain: the
 * other writer's file is the new baseline, with turnout's transition re-applied. The final and
 * generated files are clusters' own files, with nothing of turnout's to re-apply.
 */
export function fileForStage(input: DistributePluginCfgInput): string {
  const file = stageFile(input);
  if (!input.accepted?.length) return file;
  const edited = applyEdits(file, input.accepted);
  return input.stage === 'final' || input.stage === 'generated' ? edited : stageFile({ ...input, generated: edited });
}

/** The text of a file the workflow passed, which the activity wrapper has already read from the blob store. */
export function textOf(value: string | BlobRef): string {
  if (typeof value === 'string') return value;
  throw new Error(`blob ${value.blobRef.sha256.slice(0, 12)} reached an activity unresolved: activities must be built by createActivities`);
}

function stageFile(input: DistributePluginCfgInput): string {
  const { active, incoming } = input;
  const generated = textOf(input.generated);
  switch (input.stage) {
    case 'generated':
      return generated;
    case 'transition':
      return transitionPluginCfg(generated, { active, incoming, ...(input.moved ? { servers: input.moved } : {}), ...(input.drained ? { drain: input.drained } : {}) });
    case 'announce': {
      const moved = transitionPluginCfg(generated, { active, incoming, servers: input.moved ?? [], drain: input.drained ?? [] });
      return zeroWeightsPluginCfg(moved, { cluster: active, servers: input.announce ?? [] });
    }
    case 'final':
      return finalPluginCfg(generated, { active, incoming });
    case 'hold':
      return holdPluginCfg(generated, { active, incoming, servers: input.moved ?? [] });
  }
}

/**
 * Every HTTP server's plugin-cfg.xml store, by server name. A forward distribution writes all of
 * them or none (`writeAllOrNothing`): an HTTP server that cannot be reached stops it before any
 * plug-in sees a new file. A restore writes every one it can reach (`writeEvery`), so the others
 * are back on their bytes while one stays blocked.
 */
function pluginCfgStores(drivers: Drivers, estate: Estate): { name: string; store: ReturnType<Drivers['pluginCfg']> }[] {
  return httpServerNames(estate).map((name) => ({ name, store: drivers.pluginCfg(name) }));
}

/** How often a cluster activity says it is alive; the workflow's heartbeat timeout is a few of these. */
const livenessEveryMs = 5_000;

/**
 * Heartbeats (without details) while each activity runs, so that a worker killed mid-distribution is
 * noticed within the heartbeat timeout and the activity (idempotent) runs again on another worker,
 * instead of after its three-minute limit. Local activities cannot heartbeat and are left alone.
 */
function withLiveness<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped = Object.entries(activities).map(([name, fn]) => [
    name,
    async (...args: never[]) => {
      const ctx = Context.current();
      const timer = ctx.info.isLocal ? undefined : setInterval(() => ctx.heartbeat(), livenessEveryMs);
      try {
        return await fn(...args);
      } finally {
        if (timer) clearInterval(timer);
      }
    },
  ]);
  return Object.fromEntries(wrapped) as T;
}

/** Builds the single-cell and Java-client activities over the estate's drivers. */
export function createClusterActivities(drivers: (estate: Estate) => Drivers, blobs: BlobStore) {
  return withLiveness({
    async snapshotPluginCfg(estate: Estate): Promise<PluginCfgSnapshot> {
      const d = drivers(estate);
      const servers: PluginCfgSnapshot['servers'] = [];
      for (const name of httpServerNames(estate)) {
        const bytes = await d.pluginCfg(name).read();
        // Kept by hash: at a few thousand servers each file passes history's payload limit.
        servers.push({ name, base64: bytes === null ? null : await blobs.putText(bytes.toString('base64')) });
      }
      return { servers };
    },

    async generatePluginCfg(input: { estate: Estate; cells: string[] }): Promise<PluginCfgText> {
      const appServer = drivers(input.estate).appServer();
      const files: string[] = [];
      for (const cell of input.cells) files.push(await appServer.generatePluginCfg(cell));
      const [first, ...rest] = files;
      return blobs.putText(rest.reduce((merged, other) => mergePluginCfg(merged, other), first ?? ''));
    },

    async distributePluginCfg(input: DistributePluginCfgInput): Promise<DistributeResult> {
      let file: string;
      try {
        file = fileForStage(input);
      } catch (err) {
        // An approved change that no longer fits the file: no retry makes it fit; nothing was written.
        if (err instanceof FileEditConflict) throw ApplicationFailure.nonRetryable(err.message, failureTypes.rolloutFailed);
        throw err;
      }
      const bytes = encodePluginCfg(file);
      const result = { servers: await writeAllOrNothing(pluginCfgStores(drivers(input.estate), input.estate), () => bytes) };
      log.info('plugin-cfg.xml distributed', { stage: input.stage, sha256: sha256Hex(bytes), written: result.servers.filter((s) => s.changed).map((s) => s.name) });
      return result;
    },

    async restorePluginCfg(input: { estate: Estate; snapshot: PluginCfgSnapshot }): Promise<DistributeResult> {
      const before = new Map(input.snapshot.servers.map((s) => [s.name, s.base64]));
      // A server that had no file before the rollout gets none back: there is nothing to restore.
      const servers = await writeEvery(pluginCfgStores(drivers(input.estate), input.estate), (name) => {
        const b64 = before.get(name);
        return b64 === undefined || b64 === null ? null : Buffer.from(textOf(b64), 'base64');
      });
      const result = { servers };
      log.info('plugin-cfg.xml restored', { written: result.servers.filter((s) => s.changed).map((s) => s.name) });
      return result;
    },

    async runningServers(estate: Estate): Promise<string[]> {
      return (await drivers(estate).appServer().servers()).filter((s) => s.running).map((s) => s.name);
    },

    async manageServers(input: ServersInput): Promise<void> {
      const appServer = drivers(input.estate).appServer();
      if (input.action === 'start') await appServer.startServers(input.servers);
      else if (input.action === 'stop') await appServer.stopServers(input.servers);
      else await appServer.restartServers(input.servers);
      log.info(`servers ${input.action}`, { servers: input.servers });
    },

    async readBindings(estate: Estate): Promise<BindingValue[]> {
      return drivers(estate).naming().read((estate.naming?.bindings ?? []).map((b) => b.name));
    },

    async setBindings(input: { estate: Estate; values: BindingValue[] }): Promise<void> {
      await drivers(input.estate).naming().set(input.values);
      log.info('bindings set', { bindings: input.values.map((v) => (v.kind === 'string' ? `${v.name}=${v.value}` : `${v.name}->${v.binding}`)) });
    },

    async probeEjb(input: EjbProbeInput): Promise<EjbProbeResult> {
      const result = await drivers(input.estate).javaClientProbe().probe(bindingValuesFor(input.estate, input.cluster), input.calls);
      const wrong = Object.keys(result.versions).filter((v) => v !== input.expectVersion);
      if (result.failures > 0 || wrong.length > 0) {
        const seen = Object.entries(result.versions).map(([v, n]) => `${v}×${n}`).join(', ') || 'nothing';
        throw ApplicationFailure.nonRetryable(`test clients through ${input.cluster}'s bindings expected ${input.expectVersion}, saw ${seen}, ${result.failures} failed call(s)`, failureTypes.smokeTestFailed);
      }
      return result;
    },
  });
}
