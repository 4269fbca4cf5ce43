/**
 * The edition lab (estates/lab-edition.json, seed 003) end to end: six members of ClusterE behind
 * HAProxy as the on-demand router, one router server per member, no web tier. New sessions spread
 * over the active members only, a session keeps its member (JSESSIONID `<id>:<cloneId>`), a member
 * taken out of routing keeps its sessions, and the dormant ClusterV (the validation clone) answers
 * only on the router's test listener.
 */
import type { ServerStatus } from '../../src/lab/dmgr-api';
import { labPorts } from '../../src/lab/lab';
import { runLoad } from '../../src/lab/load';
import { isListening, requestJson } from '../../src/lab/process-utils';
import { allServers } from '../../src/model/estate';
import { labForSuite, post, User } from '../support/lab-client';

const active = ['ServerE1', 'ServerE2', 'ServerE3', 'ServerE4', 'ServerE5', 'ServerE6'];

async function newUsers(url: string, count: number): Promise<User[]> {
  const users = Array.from({ length: count }, () => new User(url));
  for (const user of users) {
    const answer = await user.hit();
    expect([answer.status, answer.newSession]).toEqual([200, true]);
  }
  return users;
}

/** Every user hits again: same member, same session, and the cookie names the member's clone ID. */
async function expectSticky(users: readonly User[], cloneIds: Map<string, string>): Promise<void> {
  for (const user of users) {
    const answer = await user.hit();
    expect(answer.status).toBe(200);
    expect(answer.newSession).toBe(false);
    expect([answer.server, answer.sessionId]).toEqual([user.first?.server, user.first?.sessionId]);
    expect(user.cookie).toBe(`JSESSIONID=${answer.sessionId}:${cloneIds.get(answer.server)}`);
  }
}

const serversOf = (users: readonly User[]) => new Set(users.map((u) => u.first?.server));

describe('the edition lab: HAProxy as the on-demand router in front of the members', () => {
  const suite = labForSuite(14500, 'lab-edition.json');
  const { estate } = suite;
  const cloneIds = new Map(allServers(estate).map(({ server }) => [server.name, server.cloneId]));
  const app = () => `${suite.lab.urls.sprayer}/user/hit`;
  const testApp = () => `${suite.lab.urls.sprayerTest}/user/hit`;

  it('starts ClusterE running and ready at the router member by member, ClusterV stopped and not at the router', async () => {
    const { body } = await requestJson<{ servers: ServerStatus[] }>(`${suite.lab.urls.admin}/servers`);
    expect(body.servers.map((s) => [s.name, s.state])).toEqual([...active.map((n) => [n, 'running']), ['ServerV1', 'stopped'], ['ServerV2', 'stopped']]);
    const snapshot = await suite.sprayer.snapshot();
    expect(snapshot.servers.map((s) => [s.name, s.cell, s.state])).toEqual(active.map((n) => [n, 'E', 'ready']));
    expect(Object.keys(suite.lab.urls.webServers)).toEqual([]);
    expect(labPorts(estate).map((p) => p.name)).toEqual(expect.arrayContaining(['sprayer', 'sprayer (test)']));
  });

  it('spreads new sessions over ServerE1-6 only, and keeps each session on its member', async () => {
    const users = await newUsers(app(), 24);
    expect(serversOf(users)).toEqual(new Set(active));
    await expectSticky(users, cloneIds);
    const report = await runLoad({ target: app(), rate: 40, durationSeconds: 4 });
    expect([report.failed, report.lostSessions, report.versionFlips]).toEqual([0, 0, 0]);
    expect(Object.keys(report.servers).every((s) => active.includes(s))).toBe(true);
  });

  it('takes members out of routing in one change: their sessions stay, new sessions go to the others', async () => {
    const users = await newUsers(app(), 12);
    const out = ['ServerE1', 'ServerE2', 'ServerE3'];
    await suite.sprayer.setServerStates(Object.fromEntries(out.map((n) => [n, 'drain' as const])));
    try {
      await expectSticky(users, cloneIds);
      const newcomers = await newUsers(app(), 12);
      expect(serversOf(newcomers)).toEqual(new Set(['ServerE4', 'ServerE5', 'ServerE6']));
    } finally {
      await suite.sprayer.setServerStates(Object.fromEntries(out.map((n) => [n, 'ready' as const])));
    }
  });

  it('reaches the validation clone (ClusterV) only through the test listener, sticky there too', async () => {
    // Stopped, the clone answers nothing: HAProxy finds no member to take the request.
    expect((await fetch(testApp())).status).toBe(503);
    await post(`${suite.lab.urls.admin}/clusters/ClusterV/start`);
    const testers = await newUsers(testApp(), 8);
    expect(serversOf(testers)).toEqual(new Set(['ServerV1', 'ServerV2']));
    expect(testers.every((u) => u.first?.cluster === 'ClusterV')).toBe(true);
    await expectSticky(testers, cloneIds);
    // Production still never reaches the clone, now that it runs.
    expect(serversOf(await newUsers(app(), 12))).toEqual(new Set(active));
    // A clone's cookie sent to production does not lead there: the session starts again on ClusterE.
    const stray = new User(app());
    stray.cookie = testers[0]?.cookie;
    const answer = await stray.hit();
    expect([answer.status, answer.newSession, active.includes(answer.server)]).toEqual([200, true, true]);
  });

  it('stops leaving every port free, the test listener included', async () => {
    await suite.lab.stop();
    const listening = await Promise.all(labPorts(estate).map(async (p) => ((await isListening(p.host, p.port)) ? p.name : undefined)));
    expect(listening.filter(Boolean)).toEqual([]);
  });
});
