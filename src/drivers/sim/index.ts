/**
 * The simulated estates of a benchmark and their drivers: every kind the rollouts use, acting on
 * one in-memory `SimEstate` per estate name, so many estates (concurrent rollouts of different
 * targets) share one worker. For benchmarks only; nothing real is driven.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cellRefreshIntervalSeconds, renderCellPluginCfg } from '../../lab/plugin-cfg-initial';
import type { Estate } from '../../model/estate';
import { createSimAppServer } from '../app-server/sim-app-server';
import type { Drivers } from '../index';
import { createSimNaming } from '../naming/sim-naming';
import { createSimSessionCounter } from '../sessions/sim-sessions';
import { createSimSprayer } from '../sprayer/sim-sprayer';
import { createSimPluginCfgStore } from '../web-tier/sim-plugin-cfg-store';
import { SimEstate, type SimSettingsInput } from './sim-estate';

export { SimEstate, simAdminSides, simSettingsSchema, type SimSettings, type SimSettingsInput } from './sim-estate';

function notSimulated(what: string): never {
  throw new Error(`${what} is not simulated: the sim estate covers the sprayer, app servers, sessions, naming and plugin-cfg.xml`);
}

/** The drivers of one simulated estate. */
export function simDriversFor(sim: SimEstate): Drivers {
  const httpServers = sim.estate.cells.flatMap((c) => c.httpServers);
  return {
    sprayer: () => createSimSprayer(sim),
    appServer: () => createSimAppServer(sim),
    sessions: () => createSimSessionCounter(sim),
    naming: () => createSimNaming(sim),
    javaClientProbe: () => notSimulated('the Java client probe'),
    pluginCfg: (name) => {
      const found = httpServers.find((h) => h.name === name);
      if (!found) throw new Error(`no HTTP server named ${name} in the estate (known: ${httpServers.map((h) => h.name).join(', ') || 'none'})`);
      return createSimPluginCfgStore(sim, found.pluginCfg.path);
    },
    loadBalancerXml: () => notSimulated('loadbalancer.xml'),
    loadBalancerXmls: () => notSimulated('loadbalancer.xml'),
  };
}

/** Writes each HTTP server's starting plugin-cfg.xml (its cell's generated file) under `sim.dir`. */
async function seedPluginCfg(sim: SimEstate): Promise<void> {
  for (const cell of sim.estate.cells) {
    const xml = renderCellPluginCfg(sim.estate, cell, cellRefreshIntervalSeconds(cell));
    for (const h of cell.httpServers) {
      const file = path.resolve(sim.dir, h.pluginCfg.path);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, xml, 'latin1');
    }
  }
}

/** Simulated estates by name, each with its scratch folder under `dir`. */
export class SimWorld {
  private readonly estates = new Map<string, SimEstate>();

  constructor(
    private readonly dir: string,
    private readonly settings: SimSettingsInput = {},
  ) {}

  /** Simulates `estate` (its plugin-cfg.xml files written), replacing any estate of the same name. */
  async add(estate: Estate, settings: SimSettingsInput = this.settings): Promise<SimEstate> {
    const sim = new SimEstate(estate, path.join(this.dir, estate.name), settings);
    await seedPluginCfg(sim);
    this.estates.set(estate.name, sim);
    return sim;
  }

  /** The simulation of the estate named `name`; throws naming the known ones. */
  get(name: string): SimEstate {
    const sim = this.estates.get(name);
    if (!sim) throw new Error(`no simulated estate ${name} (known: ${[...this.estates.keys()].join(', ') || 'none'})`);
    return sim;
  }

  /** The drivers for an activity's estate: those of the simulation of the same name. */
  driversFor(estate: Estate): Drivers {
    return simDriversFor(this.get(estate.name));
  }
}
