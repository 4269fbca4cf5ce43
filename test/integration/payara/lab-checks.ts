/**
 * The Payara lab itself (real Payara Server 6, real HAProxy): a domain with a deployment group of
 * three instances, each with its jvmRoute, behind HAProxy routing by the JSESSIONID suffix after
 * `.`, and a dormant group whose instance is created but never started. Run by `payara.test.ts` on
 * the one domain of the run: the checks leave the lab as they found it (`myApp:1.0` on every
 * instance), and the stop check comes last, after every other Payara test.
 */
import http from 'node:http';
import { createAsadminAppServer } from '../../../src/drivers/app-server/asadmin-app-server';
import { createHaproxySprayer } from '../../../src/drivers/sprayer/haproxy-sprayer';
import { isListening } from '../../../src/lab/process-utils';
import { buildLabWar } from '../../../src/lab/payara/lab-war';
import { labWarSpec, payaraRunning } from '../../../src/lab/payara/payara-lab';
import { labPorts } from '../../../src/lab/lab';
import { allServers } from '../../../src/model/estate';
import type { PayaraLabFixture } from '../../support/payara-lab';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { version?: string; server?: string; cloneId?: string; sessionId?: string; newSession?: boolean; hits?: number };
}

function get(url: string, cookie?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: cookie ? { cookie } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text.startsWith('{') ? (JSON.parse(text) as Answer['body']) : {} });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url}: no answer in 10 s`)));
    req.on('error', reject);
  });
}

function sessionCookie(answer: Answer): string | undefined {
  const header = (answer.headers['set-cookie'] ?? []).find((c) => c.startsWith('JSESSIONID='));
  return header?.split(';')[0];
}

/** The servers of the lab's active clusters (the ones that run and serve). */
function activeServers(fixture: PayaraLabFixture) {
  return allServers(fixture.estate).filter(({ cluster }) => cluster.state === 'active');
}

/** Defines the lab's checks; they leave the lab running as they found it. */
export function payaraLabChecks(fixture: PayaraLabFixture): void {
  describe('the Payara lab', () => {
    it('starts, and says what each phase took', () => {
      const { payara } = fixture.lab;
      expect(payara).toBeDefined();
      process.stderr.write(`payara lab start: ${JSON.stringify(payara?.timings)}\n`);
      expect(Object.keys(payara?.pids() ?? {}).sort()).toEqual(['das', 'instance1', 'instance2', 'instance3']);
    });

    it('has every instance answer 1.0 on its own port, its jvmRoute ending the session cookie', async () => {
      for (const { server } of activeServers(fixture)) {
        const answer = await get(`http://127.0.0.1:${server.port}/myApp/hit`);
        expect(answer.status).toBe(200);
        expect(answer.headers['x-turnout-version']).toBe('1.0');
        expect(answer.headers['x-turnout-server']).toBe(server.name);
        expect(sessionCookie(answer)).toMatch(new RegExp(`^JSESSIONID=[0-9a-f]+\\.${server.cloneId}$`));
        expect(answer.body).toMatchObject({ version: '1.0', server: server.name, cloneId: server.cloneId, newSession: true, hits: 1 });
        expect(`JSESSIONID=${answer.body.sessionId}`).toBe(sessionCookie(answer));
      }
    });

    it("keeps the dormant cluster's instance created but never started, without the application, and out of HAProxy", async () => {
      const spare = allServers(fixture.estate).filter(({ cluster }) => cluster.state === 'dormant');
      expect(spare.map(({ server }) => server.name)).toEqual(['spare1']);
      const driver = createAsadminAppServer(fixture.estate);
      const states = await driver.servers();
      expect(states.find((s) => s.name === 'spare1')).toMatchObject({ cluster: 'spare', running: false, version: '', pid: null });
      expect((await driver.instanceVersions('myApp', ['spare1']))[0]).toMatchObject({ enabled: [], serving: null });
      expect(await isListening('127.0.0.1', spare[0]?.server.port ?? 0, 300)).toBe(false);
      const routing = await createHaproxySprayer(fixture.estate, { baseDir: fixture.dir }).snapshot();
      expect(routing.servers.map((s) => s.name)).toEqual(['instance1', 'instance2', 'instance3']);
    });

    it('keeps a session on its instance through HAProxy, its hits counting 1, 2, 3', async () => {
      const front = fixture.lab.urls.sprayer as string;
      const first = await get(`${front}/myApp/hit`);
      const cookie = sessionCookie(first) as string;
      expect(cookie).toBeDefined();
      const second = await get(`${front}/myApp/hit`, cookie);
      const third = await get(`${front}/myApp/hit`, cookie);
      expect([first, second, third].map((a) => a.body.hits)).toEqual([1, 2, 3]);
      expect(new Set([first, second, third].map((a) => a.body.server)).size).toBe(1);
      expect(cookie.endsWith(`.${first.body.server}`)).toBe(true);
      // New sessions are spread over the instances.
      const servers = new Set<string>();
      for (let i = 0; i < 6; i++) servers.add((await get(`${front}/myApp/hit`)).body.server as string);
      expect(servers.size).toBe(3);
    });

    it('builds each war once: asking again for the deployed one finds it', async () => {
      const payara = fixture.lab.payara;
      const again = await buildLabWar(labWarSpec(fixture.estate, '1.0'), `${fixture.lab.dir}/wars`, payara?.home);
      expect(again).toEqual({ path: payara?.war.path, cached: true, hash: payara?.war.hash });
      const next = await buildLabWar(labWarSpec(fixture.estate, '1.1'), `${fixture.lab.dir}/wars`, payara?.home);
      expect(next.path).not.toBe(again.path);
    });
  });
}

/** Defines the last check of the run: stopping the lab leaves no JVM and no port behind. */
export function payaraLabStopCheck(fixture: PayaraLabFixture): void {
  describe('the Payara lab, at the end', () => {
    it('stops, leaving no JVM and no port behind', async () => {
      await fixture.lab.stop();
      expect(payaraRunning({ dir: fixture.lab.dir })).toEqual([]);
      const busy = await Promise.all(labPorts(fixture.estate).map((p) => isListening(p.host, p.port, 300)));
      expect(busy.every((b) => !b)).toBe(true);
    });
  });
}
