/**
 * Seeds for the lab's OSGi caches. On its first start each Payara JVM unpacks some 400 bundles into
 * its `osgi-cache` (Felix's cache: most of a first start's seconds, and the CPU its neighbours on 2
 * cores lose). The caches depend on the install alone, so after a lab stops cleanly the DAS's and one
 * instance's are kept beside the class-data-sharing archives, and the next lab's JVMs start from
 * copies of them. A cache left by a JVM that had to be killed is never kept.
 */
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { payaraStartCacheDir } from './payara-cds';
import { activeInstances, type PayaraDomainPlan } from './payara-layout';

/** The seeds of one lab domain: copied in before its first start, kept after a clean stop. */
export interface PayaraOsgiSeeds {
  /** Copies the seeds into the DAS and every active instance that has no cache yet. Resolves to what it copied. */
  plant(): string[];
  /** Keeps the DAS's and the first active instance's caches as seeds, where there are none yet. */
  keep(): string[];
}

/** The OSGi cache seeds for the lab domain of `plan` in `payaraDir`, on the install `home`. */
export function payaraOsgiSeeds(home: string, plan: PayaraDomainPlan, payaraDir: string, env: NodeJS.ProcessEnv = process.env): PayaraOsgiSeeds {
  const dir = payaraStartCacheDir(home, env);
  if (!dir || env.TURNOUT_PAYARA_OSGI_SEEDS === '0') return { plant: () => [], keep: () => [] };
  const active = activeInstances(plan).map((i) => i.name);
  const cacheOf = (jvm: string) => (jvm === 'das' ? path.join(payaraDir, plan.domain, 'osgi-cache') : path.join(payaraDir, 'nodes', plan.node, jvm, 'osgi-cache'));
  const seedOf = (kind: 'das' | 'instance') => path.join(dir, 'osgi', kind);
  return {
    plant() {
      const planted: string[] = [];
      for (const jvm of ['das', ...active]) {
        const seed = seedOf(jvm === 'das' ? 'das' : 'instance');
        if (!existsSync(seed) || existsSync(cacheOf(jvm))) continue;
        cpSync(seed, cacheOf(jvm), { recursive: true });
        planted.push(jvm);
      }
      return planted;
    },
    keep() {
      const kept: string[] = [];
      for (const [kind, jvm] of [['das', 'das'], ['instance', active[0]]] as const) {
        const seed = seedOf(kind);
        if (!jvm || existsSync(seed) || !existsSync(cacheOf(jvm))) continue;
        const temp = `${seed}.tmp-${process.pid}`;
        rmSync(temp, { recursive: true, force: true });
        cpSync(cacheOf(jvm), temp, { recursive: true });
        if (!existsSync(seed)) renameSync(temp, seed);
        rmSync(temp, { recursive: true, force: true });
        kept.push(kind);
      }
      return kept;
    },
  };
}
