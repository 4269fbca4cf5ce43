/**
 * Everything that needs real Payara Server, in one file, so the domain (a DAS and three instances
 * of one deployment group behind HAProxy, and a never-started spare instance) starts once for the
 * run. In order, on that one domain:
 * 1. the lab's own checks (`payara/lab-checks.ts`);
 * 2. the asadmin driver's contracts, on applications of their own (`payara/lab-contracts.ts`);
 * 3. the GlassFish rolling upgrades end to end (`payara/glassfish-scenarios.ts`);
 * 4. the lab's stop, last: no JVM and no port left behind.
 * Each block leaves the lab as the next expects it; the sequencer runs this file first among the
 * integration files, so its minutes overlap with the other worker's files.
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
import { payaraLabChecks, payaraLabStopCheck } from './payara/lab-checks';
import { payaraLabContracts } from './payara/lab-contracts';

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

payaraLabChecks(fixture);
payaraLabContracts(fixture);
glassfishScenarios(sut);
payaraLabStopCheck(fixture);
