/**
 * Everything that needs real Payara Server, in one file, so the domain (a DAS and three instances
 * of one deployment group, behind HAProxy) starts once for the run: the GlassFish rolling upgrades
 * end to end. See `payara/glassfish-scenarios.ts`.
 */
import path from 'node:path';
import { createActivities } from '../../activities';
import { createAsadminAppServer } from '../../src/drivers/app-server/asadmin-app-server';
import { createHaproxySprayer } from '../../src/drivers/sprayer/haproxy-sprayer';
import { buildLabWar } from '../../src/lab/payara/lab-war';
import { labWarSpec } from '../../src/lab/payara/payara-lab';
import { usePayaraLab } from '../support/payara-lab';
import { testClient, withTestWorker } from '../support/temporal';
import { glassfishScenarios, type PayaraUnderTest } from './payara/glassfish-scenarios';

jest.setTimeout(10 * 60_000);

const estatesDir = path.resolve(__dirname, '..', '..', 'estates');
const fixture = usePayaraLab();

const sut = (): PayaraUnderTest => {
  const { estate, dir } = fixture;
  return {
    estate,
    dir,
    driver: createAsadminAppServer(estate),
    routing: () => createHaproxySprayer(estate, { baseDir: dir }).snapshot(),
    war: async (version, opts = {}) => {
      const idle = opts.sessionIdleSeconds === undefined ? estate : { ...estate, lab: { ...estate.lab!, sessionIdleSeconds: opts.sessionIdleSeconds } };
      return (await buildLabWar(labWarSpec(idle, version, opts.broken ?? false), path.join(dir, 'wars'))).path;
    },
    async withWorker(fn) {
      const client = await testClient();
      return withTestWorker(createActivities({ estatesDir, client, baseDir: dir }), ({ taskQueue }) => fn(client, taskQueue));
    },
  };
};

glassfishScenarios(sut);
