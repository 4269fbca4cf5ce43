import { BoundedCounter, LatencyHistogram, LoadTally, newUserSessionState, type Observation } from '../../src/lab/load';

function hit(partial: Partial<Observation>): Observation {
  return { kind: 'hit', newSession: false, latencyMs: 1, version: '1.0', server: 'S1', ...partial };
}

describe('LoadTally', () => {
  it('counts a clean session once, with its new session on the server that made it', () => {
    const t = new LoadTally();
    const u = newUserSessionState();
    t.record(u, hit({ responseSession: 's1', newSession: true }));
    t.record(u, hit({ carriedSession: 's1', responseSession: 's1' }));
    t.record(u, { kind: 'logout', newSession: false, carriedSession: 's1', latencyMs: 1 });
    t.completeSession();
    const r = t.toReport('http://x/user/hit', 2);
    expect(r).toMatchObject({ requests: 3, failed: 0, sessions: 1, completedSessions: 1, lostSessions: 0, versionFlips: 0, requestsPerSecond: 1.5 });
    expect(r.versions).toEqual({ '1.0': 2 });
    expect(r.newSessionsByServer).toEqual({ S1: 1 });
  });

  it('counts a lost session once per user, whether by newSession or by a different ID', () => {
    const t = new LoadTally();
    const u = newUserSessionState();
    t.record(u, hit({ responseSession: 's1', newSession: true }));
    t.record(u, hit({ carriedSession: 's1', responseSession: 's2', newSession: true }));
    t.record(u, hit({ carriedSession: 's2', responseSession: 's3' }));
    const v = newUserSessionState();
    t.record(v, hit({ responseSession: 's4', newSession: true }));
    t.record(v, hit({ carriedSession: 's4', responseSession: 's5' }));
    expect(t.toReport('t', 1)).toMatchObject({ sessions: 2, lostSessions: 2, versionFlips: 0 });
  });

  it('counts a version flip once per user, and not across a lost session', () => {
    const t = new LoadTally();
    const flipper = newUserSessionState();
    t.record(flipper, hit({ responseSession: 's1', newSession: true, version: '1.0' }));
    t.record(flipper, hit({ carriedSession: 's1', responseSession: 's1', version: '1.1' }));
    t.record(flipper, hit({ carriedSession: 's1', responseSession: 's1', version: '1.0' }));
    const loser = newUserSessionState();
    t.record(loser, hit({ responseSession: 's2', newSession: true, version: '1.0' }));
    t.record(loser, hit({ carriedSession: 's2', responseSession: 's3', newSession: true, version: '1.1' }));
    expect(t.toReport('t', 1)).toMatchObject({ versionFlips: 1, lostSessions: 1, versions: { '1.0': 3, '1.1': 2 } });
  });

  it('counts failures by reason and leaves sessions alone', () => {
    const t = new LoadTally();
    const u = newUserSessionState();
    t.record(u, { kind: 'hit', newSession: false, failure: 'timeout' });
    t.record(u, hit({ failure: 'http 500', responseSession: 'x', newSession: true }));
    t.record(u, hit({ failure: 'http 500' }));
    const r = t.toReport('t', 1);
    expect(r).toMatchObject({ requests: 3, failed: 3, sessions: 0, lostSessions: 0 });
    expect(r.failures).toEqual([
      { reason: 'http 500', count: 2 },
      { reason: 'timeout', count: 1 },
    ]);
  });

  it('blames failures and lost sessions on the server the session lived on', () => {
    const t = new LoadTally();
    const onX2 = newUserSessionState();
    t.record(onX2, hit({ responseSession: 's1', newSession: true, server: 'X2' }));
    t.record(onX2, { kind: 'hit', newSession: false, carriedSession: 's1', failure: 'network ECONNRESET' });
    t.record(onX2, hit({ carriedSession: 's1', responseSession: 's2', newSession: true, server: 'X1' }));
    const onX1 = newUserSessionState();
    t.record(onX1, hit({ responseSession: 's3', newSession: true, server: 'X1' }));
    t.record(onX1, hit({ carriedSession: 's3', responseSession: 's3', server: 'X1' }));
    const newcomer = newUserSessionState();
    t.record(newcomer, { kind: 'hit', newSession: false, failure: 'http 502' });
    const r = t.toReport('t', 1);
    expect(r.failedByServer).toEqual({ '(no session)': 1, X2: 1 });
    expect(r.lostSessionsByServer).toEqual({ X2: 1 });
    expect(r.newSessionsByServer).toEqual({ X1: 2, X2: 1 });
  });

  it('reports zero rate for a run that never started', () => {
    expect(new LoadTally().toReport('t', 0)).toMatchObject({ requests: 0, requestsPerSecond: 0, latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 } });
  });
});

describe('LatencyHistogram', () => {
  it('is exact for small values and within a few percent above', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    expect(h.count).toBe(1000);
    const s = h.summary();
    expect(s.max).toBe(1000);
    expect(s.p50).toBeGreaterThanOrEqual(500);
    expect(s.p50).toBeLessThanOrEqual(500 * 1.04);
    expect(s.p99).toBeGreaterThanOrEqual(990);
    expect(s.p99).toBeLessThanOrEqual(1000);
  });

  it('never reports a percentile above the largest sample', () => {
    const h = new LatencyHistogram();
    h.record(0.012);
    h.record(0.013);
    expect(h.quantile(0.5)).toBeLessThanOrEqual(0.013);
    expect(h.summary().max).toBe(0.013);
  });

  it('absorbs absurd values without growing', () => {
    const h = new LatencyHistogram();
    h.record(1e12);
    h.record(-5);
    expect(h.count).toBe(2);
    expect(h.summary().max).toBe(1e12);
  });
});

describe('BoundedCounter', () => {
  it('folds keys past the cap into (other)', () => {
    const c = new BoundedCounter(2);
    for (const k of ['a', 'b', 'c', 'd', 'a']) c.add(k);
    expect(c.toRecord()).toEqual({ '(other)': 2, a: 2, b: 1 });
    expect(c.total()).toBe(5);
  });
});
