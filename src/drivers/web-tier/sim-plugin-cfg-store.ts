/**
 * The simulated HTTP servers' plugin-cfg.xml, for benchmarks: real files in the `SimEstate`'s
 * scratch folder, through the local store (so the sim passes the store contract as it is, atomic
 * replacement included), after the simulation's call latency.
 */
import path from 'node:path';
import { createLocalConfigFileStore } from '../config-file/local-config-file-store';
import type { SimEstate } from '../sim/sim-estate';
import type { PluginCfgStore } from './plugin-cfg-store';

/** The plugin-cfg.xml store at `file`, relative to the simulation's folder (or absolute). */
export function createSimPluginCfgStore(sim: SimEstate, file: string): PluginCfgStore {
  const store = createLocalConfigFileStore(path.resolve(sim.dir, file), { label: 'plugin-cfg' });
  return {
    read: async () => (await sim.latency(), store.read()),
    write: async (bytes) => (await sim.latency(), store.write(bytes)),
  };
}
