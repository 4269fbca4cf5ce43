/**
 * The lab's Sun ONE load balancers (seed 004) with real lab processes: two clusters of two app
 * servers behind lb1 and lb2, which route by identical loadbalancer.xml files polled every second,
 * a lab minute of disable-timeout lasting 3 s (the starting files say 2 minutes: 6 s).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabAppResponse } from '../../src/lab/dmgr-api';
import { labPorts, startLab, type LabHandle } from '../../src/lab/lab';
import type { LoadBalancerState } from '../../src/lab/load-balancer';
import { isAlive, isListening, requestJson, sleep, waitFor, writeFileAtomic } from '../../src/lab/process-utils';
import { labEstateForTest } from '../support/lab-estate';

const quiescedA1 = 'Instance: ServerA1 quiesced successfully over the cluster: ClusterA';
const quiescedB1 = 'Instance: ServerB1 quiesced successfully over the cluster: ClusterB';

/** A user of the lab app through either load balancer, keeping the JSESSIONID cookie it was given. */
class Visitor {
  cookie: string | undefined;
  async hit(lb: string): Promise<LabAppResponse & { status: number }> {
    const res = await fetch(`${lb}/user/hit`, { headers: this.cookie ? { cookie: this.cookie } : {} });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    return { ...((await res.json()) as LabAppResponse), status: res.status };
  }
}

/** A new visitor whose session `lb` placed on `server` (new sessions go round-robin: a few tries at most). */
async function visitorOn(lb: string, server: string): Promise<Visitor> {
  for (let i = 0; i < 12; i++) {
    const visitor = new Visitor();
    if ((await visitor.hit(lb)).server === server) return visitor;
  }
  throw new Error(`${lb} placed no new session on ${server} in 12 tries`);
}

async function lbState(lb: string): Promise<LoadBalancerState> {
  const res = await requestJson<LoadBalancerState>(`${lb}/__lb/state`);
  if (res.status !== 200) throw new Error(`${lb}/__lb/state answered ${res.status}`);
  return res.body;
}

const instance = (state: LoadBalancerState, name: string) => state.instances.find((i) => i.name === name);

/** The starting file with `name`'s `enabled` set, as a person edits it. */
const withEnabled = (xml: string, name: string, enabled: boolean): string => xml.replace(new RegExp(`(<instance name="${name}" enabled=")(true|false)(")`), `$1${enabled}$3`);

describe('the lab load balancer (seed 004)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnout-lablb-'));
  const estate = labEstateForTest(3500, dir, 'lab-lb.json');
  const files = (estate.loadBalancers?.balancers ?? []).map((b) => (b.file.kind === 'local' ? b.file.path : ''));
  const logs = (estate.loadBalancers?.balancers ?? []).map((b) => b.log ?? '');
  let lab: LabHandle;
  let lbs: string[];
  let startingXml: string;

  /** Writes `xml` to every balancer's file (temp + rename) and waits until both run it. */
  async function distribute(xml: string): Promise<LoadBalancerState[]> {
    const before = await Promise.all(lbs.map(lbState));
    for (const file of files) writeFileAtomic(file, xml);
    await waitFor(async () => (await Promise.all(lbs.map(lbState))).every((s, i) => s.reloads > (before[i]?.reloads ?? 0)), 5000, 'the load balancers did not reload');
    return Promise.all(lbs.map(lbState));
  }

  const logText = (i: number): string => readFileSync(logs[i] ?? '', 'utf8');

  beforeAll(async () => {
    lab = await startLab(estate);
    lbs = Object.values(lab.urls.loadBalancers ?? {});
    startingXml = readFileSync(files[0] ?? '', 'utf8');
  });

  afterAll(async () => {
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts both balancers on identical files, and spreads new sessions round-robin over A1, A2, B1, B2', async () => {
    expect(lbs).toHaveLength(2);
    expect(lab.urls.app).toBe(`${lbs[0]}/user/`);
    expect(readFileSync(files[1] ?? '', 'utf8')).toBe(startingXml);
    for (const lb of lbs) {
      const servers = [];
      for (let i = 0; i < 8; i++) {
        const answer = await new Visitor().hit(lb);
        expect([answer.status, answer.newSession]).toEqual([200, true]);
        servers.push(answer.server);
      }
      expect(servers.slice(0, 4).sort()).toEqual(['ServerA1', 'ServerA2', 'ServerB1', 'ServerB2']);
      expect(servers.slice(4)).toEqual(servers.slice(0, 4));
    }
    const states = await Promise.all(lbs.map(lbState));
    expect(states.map((s) => s.config.sha256)).toEqual([states[0]?.config.sha256, states[0]?.config.sha256]);
    expect(states[0]?.instances.map((i) => [i.name, i.state])).toEqual([
      ['ServerA1', 'enabled'],
      ['ServerA2', 'enabled'],
      ['ServerB1', 'enabled'],
      ['ServerB2', 'enabled'],
    ]);
  });

  it('quiesces ServerA1: new sessions leave at once, its session stays until the period ends, then fails over to A2 only; both logs say so', async () => {
    const onA1 = await visitorOn(lbs[0] ?? '', 'ServerA1');
    const states = await distribute(withEnabled(startingXml, 'ServerA1', false));
    // Each balancer quiesces from its own poll: their deadlines differ by up to a poll interval.
    const deadlines = states.map((s) => Date.parse(instance(s, 'ServerA1')?.quiescingUntil ?? ''));
    const [first, until] = [Math.min(...deadlines), Math.max(...deadlines)];
    expect(states.map((s) => instance(s, 'ServerA1')?.state)).toEqual(['quiescing', 'quiescing']);
    expect(first - Date.now()).toBeGreaterThan(4000);

    for (let i = 0; i < 6; i++) expect((await new Visitor().hit(lbs[i % 2] ?? '')).server).not.toBe('ServerA1');
    // Through either balancer, the session stays on A1 (hit every half second: the lab's sessions idle out in 3 s).
    let hits = 0;
    while (Date.now() < first - 300) {
      const answer = await onA1.hit(lbs[hits % 2] ?? '');
      expect([answer.status, answer.server, answer.newSession]).toEqual([200, 'ServerA1', false]);
      if (Date.now() < first - 100) expect(logText(0) + logText(1)).not.toContain(quiescedA1);
      hits++;
      await sleep(Math.min(500, Math.max(0, first - 300 - Date.now())));
    }
    expect(hits).toBeGreaterThan(5);

    await sleep(Math.max(0, until - Date.now() + 200));
    for (let i = 0; i < 4; i++) {
      const answer = await onA1.hit(lbs[i % 2] ?? '');
      expect([answer.status, answer.server]).toEqual([200, 'ServerA2']);
    }
    await waitFor(() => [0, 1].every((i) => logText(i).includes(quiescedA1)), 2000, 'the quiesced line is not in both logs');
    expect((await Promise.all(lbs.map(lbState))).map((s) => instance(s, 'ServerA1')?.state)).toEqual(['disabled', 'disabled']);
    await distribute(startingXml);
  });

  it('restarts the quiescing when the file changes during it: the line comes a period after the change', async () => {
    const onB1 = await visitorOn(lbs[1] ?? '', 'ServerB1');
    const disabled = withEnabled(startingXml, 'ServerB1', false);
    const first = await distribute(disabled);
    const firstUntil = Date.parse(instance(first[0] as LoadBalancerState, 'ServerB1')?.quiescingUntil ?? '');
    // Halfway through, another change (B2's timeout, as a person reconsidering would write it).
    await sleep(2500);
    expect((await onB1.hit(lbs[0] ?? '')).server).toBe('ServerB1');
    const second = await distribute(disabled.replace(/(<instance name="ServerB2" enabled="true" disable-timeout-in-minutes=")2/, '$13'));
    const secondUntil = Date.parse(instance(second[0] as LoadBalancerState, 'ServerB1')?.quiescingUntil ?? '');
    expect(secondUntil - firstUntil).toBeGreaterThan(2000);

    // Past the first deadline: still quiescing, still served on B1, no line yet.
    await sleep(Math.max(0, firstUntil - Date.now() + 500));
    expect((await onB1.hit(lbs[1] ?? '')).server).toBe('ServerB1');
    expect(logText(0) + logText(1)).not.toContain(quiescedB1);
    await waitFor(() => [0, 1].every((i) => logText(i).includes(quiescedB1)), secondUntil - Date.now() + 2000, 'the quiesced line is not in both logs');
    const at = Date.parse(logText(0).split('\n').find((l) => l.includes(quiescedB1))?.split(' ')[0] ?? '');
    expect(at).toBeGreaterThanOrEqual(secondUntil - 100);
    expect((await onB1.hit(lbs[0] ?? '')).server).toBe('ServerB2');
    await distribute(startingXml);
  });

  it('keeps the last good configuration when the file does not parse, and says why', async () => {
    const before = await lbState(lbs[1] ?? '');
    writeFileAtomic(files[1] ?? '', '<loadbalancer name="x"><cluster name="ClusterA">');
    await waitFor(async () => (await lbState(lbs[1] ?? '')).lastError !== undefined, 5000, 'lb2 did not report the bad file');
    const after = await lbState(lbs[1] ?? '');
    expect([after.reloads, after.config.sha256]).toEqual([before.reloads, before.config.sha256]);
    expect(logText(1)).toContain('cannot load');
    expect((await new Visitor().hit(lbs[1] ?? '')).status).toBe(200);
    await distribute(startingXml);
    expect((await lbState(lbs[1] ?? '')).lastError).toBeUndefined();
  });

  it('takes a killed app server out of routing by its health check; its sessions fail over within the cluster', async () => {
    const onB2 = await visitorOn(lbs[0] ?? '', 'ServerB2');
    await lab.faults.killServer('ServerB2');
    // Before the health checker notices, a refused connection is redispatched within the cluster.
    const answer = await onB2.hit(lbs[0] ?? '');
    expect([answer.status, answer.server]).toEqual([200, 'ServerB1']);
    await waitFor(async () => (await Promise.all(lbs.map(lbState))).every((s) => instance(s, 'ServerB2')?.state === 'unhealthy'), 4000, 'ServerB2 is still in routing');
    const servers = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const hit = await new Visitor().hit(lbs[i % 2] ?? '');
      expect(hit.status).toBe(200);
      servers.add(hit.server);
    }
    expect([...servers].sort()).toEqual(['ServerA1', 'ServerA2', 'ServerB1']);
    expect(logText(0)).toContain('Instance: ServerB2 of the cluster: ClusterB failed its health check');
  });

  it('stops leaving no process and no port', async () => {
    const pids = Object.values(lab.pids);
    await lab.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    const listening = await Promise.all(labPorts(estate).map(async (p) => ((await isListening(p.host, p.port)) ? p.port : undefined)));
    expect(listening.filter((p) => p !== undefined)).toEqual([]);
  });
});
