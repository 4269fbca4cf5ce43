/**
 * The simulated estate's drivers pass the same contract suites as the real ones, so that what a
 * benchmark measures with them means something. In process, with one HTTP front on loopback: seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSimAppServer, simBrokenOnPrefix } from '../../src/drivers/app-server/sim-app-server';
import { createSimNaming } from '../../src/drivers/naming/sim-naming';
import { createSimSessionCounter } from '../../src/drivers/sessions/sim-sessions';
import { SimEstate, SimWorld, simAdminSides } from '../../src/drivers/sim';
import { generateSimEstate, type SimEstateSpecInput } from '../../src/drivers/sim/sim-estate-generator';
import { simServerUrl, startSimHttpFront } from '../../src/drivers/sim/sim-http-front';
import { createSimSprayer } from '../../src/drivers/sprayer/sim-sprayer';
import { createSimPluginCfgStore } from '../../src/drivers/web-tier/sim-plugin-cfg-store';
import { rolloutRequestSchema } from '../../src/model';
import { planRollout } from '../../src/planning';
import { safeguardProblems } from '../../src/planning/safeguards';
import { simRequest } from '../../bench/sim-rollouts';
import { appServerContract } from '../integration/app-server-contract';
import { namingContract } from '../integration/naming-contract';
import { pluginCfgStoreContract } from '../integration/plugin-cfg-store-contract';
import { sessionsContract } from '../integration/sessions-contract';
import { sprayerContract } from '../integration/sprayer-contract';

const small = (name: string, procedure: SimEstateSpecInput['procedure'], frontPorts = [1, 2, 3]): SimEstateSpecInput => ({ name, procedure, clusters: 12, serversPerCluster: 3, frontPorts, naming: true });

/** A world of one simulated estate with its HTTP front; `cleanup` closes both. */
async function simulated(spec: SimEstateSpecInput, sessionsPerServer = 0) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-sim-test-'));
  const world = new SimWorld(dir, { sessionsPerServer });
  const front = await startSimHttpFront(world, 2);
  const estate = generateSimEstate({ ...spec, frontPorts: front.ports });
  const sim = await world.add(estate);
  const cleanup = async () => {
    await front.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { sim, estate, port: front.port, cleanup };
}

sprayerContract('sim, in front of cells', async () => {
  const { sim, cleanup } = await simulated(small('sim-sprayer', 'multiCellRollout'));
  const inFlight = sim.sprayer.inFlight;
  return {
    sprayer: createSimSprayer(sim),
    cells: ['cell01', 'cell02'],
    holdRequest: () => {
      const server = [...sim.sprayer.servers.values()].find((s) => s.state === 'ready')?.name as string;
      inFlight.set(server, (inFlight.get(server) ?? 0) + 1);
      return Promise.resolve({ server, release: () => Promise.resolve(void inFlight.set(server, (inFlight.get(server) ?? 1) - 1)) });
    },
    cutAdmin: () => Promise.resolve(sim.cut(simAdminSides.sprayer)),
    restoreAdmin: () => Promise.resolve(sim.restore(simAdminSides.sprayer)),
    cleanup,
  };
});

appServerContract('sim', async () => {
  const { sim, estate, port, cleanup } = await simulated(small('sim-app-server', 'multiCellRollout'));
  const production = estate.virtualHosts.production.name;
  return {
    driver: createSimAppServer(sim),
    cluster: 'C001',
    testVhostUrl: simServerUrl(port, estate.name, 'c001s001', estate.virtualHosts.test.name),
    hit: (server, opts = {}) => sim.hit(server, production, opts),
    brokenOn: (servers) => `${simBrokenOnPrefix}${servers.join(',')}`,
    cleanup,
  };
});

sessionsContract('sim', async () => {
  const { sim, estate, port, cleanup } = await simulated(small('sim-sessions', 'singleCellRollout'));
  return {
    counter: createSimSessionCounter(sim),
    running: { name: 'c001s001', appUrl: simServerUrl(port, estate.name, 'c001s001', estate.virtualHosts.production.name), host: `127.0.0.1:${port}` },
    stopped: 'c002s001',
    cutAdmin: () => Promise.resolve(sim.cut(simAdminSides.appServer)),
    restoreAdmin: () => Promise.resolve(sim.restore(simAdminSides.appServer)),
    cleanup,
  };
});

namingContract('sim', async () => {
  const { sim, estate, cleanup } = await simulated(small('sim-naming', 'multiCellRollout'));
  return { driver: createSimNaming(sim), estate, activeCluster: 'C001', otherCluster: 'C002', cleanup };
});

pluginCfgStoreContract('sim', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-sim-store-'));
  const sim = new SimEstate(generateSimEstate(small('sim-store', 'multiCellRollout')), dir);
  return Promise.resolve({ dir, storeAt: (name: string) => createSimPluginCfgStore(sim, name), cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) });
});

describe('the simulated session model', () => {
  it('ends the sessions of a server that takes no new ones at the configured rate, on the fast clock, and has them back once it takes new ones', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-sim-model-'));
    try {
      const sim = await new SimWorld(dir, { sessionsPerServer: 5, sessionEndsPerSecond: 1, clockSpeed: 1000 }).add(generateSimEstate(small('sim-model', 'multiCellRollout')));
      const counter = createSimSessionCounter(sim);
      await createSimSprayer(sim).setCellState('cell01', 'drain');
      const read = async () => (await counter.liveSessions(['c001s001']))[0]?.sessions;
      expect(await read()).toBeLessThanOrEqual(5);
      await new Promise((r) => setTimeout(r, 20));
      expect(await read()).toBe(0);
      await createSimSprayer(sim).setCellState('cell01', 'ready');
      expect(await read()).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the simulated estate generator', () => {
  it.each([
    ['multiCellRollout', 40, 50, 4],
    ['singleCellRollout', 40, 50, 1],
    ['multiCellRollout', 12, 5, 2],
  ] as const)('%s at %i clusters of %i: valid, in %i cell(s), planned with no safeguard problem', (procedure, clusters, serversPerCluster, cells) => {
    const estate = generateSimEstate({ name: 'sim-gen', procedure, clusters, serversPerCluster, frontPorts: [30001, 30002, 30003, 30004] });
    expect(estate.cells).toHaveLength(cells);
    expect(estate.cells.flatMap((c) => c.clusters.flatMap((k) => k.servers))).toHaveLength(clusters * serversPerCluster);
    const request = rolloutRequestSchema.parse(simRequest(estate, procedure));
    const plan = planRollout(procedure, request, estate);
    expect(safeguardProblems(request, estate, plan, new Date())).toEqual([]);
  });
});
