import { LoadTally, MixedEditionCounter, mixedEditionSeconds, newUserSessionState, type NewSessionTiming } from '../../src/lab/load';

/** A new session on `version`, sent at `sentMs` and answered `latencyMs` later. */
function ns(version: string, sentMs: number, latencyMs = 5): NewSessionTiming {
  return { version, sentMs, answeredMs: sentMs + latencyMs };
}

/** New sessions on `version` every `everyMs` from `fromMs` up to (not including) `toMs`. */
function steady(version: string, fromMs: number, toMs: number, everyMs = 100): NewSessionTiming[] {
  const out: NewSessionTiming[] = [];
  for (let t = fromMs; t < toMs; t += everyMs) out.push(ns(version, t));
  return out;
}

/** A small deterministic generator, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('mixedEditionSeconds', () => {
  it('counts a clean one-way switch as 0, even in the middle of a second', () => {
    expect(mixedEditionSeconds([...steady('1.0', 0, 1450), ...steady('1.1', 1450, 4000)])).toEqual([]);
    expect(mixedEditionSeconds([...steady('1.0', 0, 1050, 10), ...steady('1.1', 1050, 2000, 10)])).toEqual([]);
  });

  it('counts every second in which two editions take new sessions alternately', () => {
    const alternating = steady('x', 0, 3000).map((s, i) => ({ ...s, version: i % 2 === 0 ? '1.0' : '1.1' }));
    expect(mixedEditionSeconds(alternating)).toEqual([0, 1, 2]);
  });

  it('counts a rollback that switches back as a one-way switch, not as mixing', () => {
    const rollback = [...steady('1.0', 0, 3000), ...steady('1.1', 3000, 6000), ...steady('1.0', 6000, 9000)];
    expect(mixedEditionSeconds(rollback)).toEqual([]);
  });

  it('counts 0 for requests in flight across a switch and answered out of order', () => {
    const aroundTheSwitch = [
      ns('1.0', 900, 400), // sent before the switch, answered long after it
      ns('1.0', 980, 30),
      ns('1.1', 1000, 5), // the first new session on N+1, answered at 1005
      ns('1.0', 1003, 200), // sent before that answer: created before it, for all we know
      ns('1.1', 1005, 395),
      ns('1.1', 1010, 2),
    ];
    const sessions = [...steady('1.0', 0, 900), ...aroundTheSwitch, ...steady('1.1', 1100, 3000)];
    expect(mixedEditionSeconds(sessions)).toEqual([]);
    // The boundary is the answer: an old-edition session sent after it is mixing.
    expect(mixedEditionSeconds([...sessions, ns('1.0', 1006)])).toEqual([1]);
  });

  it('counts a stray new session in the second it was sent in, across second boundaries', () => {
    expect(mixedEditionSeconds([ns('1.0', 900), ns('1.1', 950), ns('1.0', 1010)])).toEqual([0]);
    expect(mixedEditionSeconds([ns('1.0', 900), ns('1.1', 1950), ns('1.0', 2010)])).toEqual([1]);
    // Further apart than the second before and the second after, they are two switches.
    expect(mixedEditionSeconds([ns('1.0', 900), ns('1.1', 1950), ns('1.1', 3000), ns('1.0', 3100)])).toEqual([]);
  });

  it('cannot tell a switch back within about a second from interleaving', () => {
    expect(mixedEditionSeconds([...steady('1.0', 0, 1000), ...steady('1.1', 1000, 1300), ...steady('1.0', 1300, 3000)])).toEqual([1]);
  });

  it('counts a one-way run through three editions as 0, and ignores the input order', () => {
    const three = [...steady('1.0', 0, 1500), ...steady('1.1', 1500, 1800), ...steady('1.2', 1800, 3000)];
    expect(mixedEditionSeconds(three)).toEqual([]);
    const alternating = steady('x', 0, 2000).map((s, i) => ({ ...s, version: i % 2 === 0 ? '1.0' : '1.1' }));
    expect(mixedEditionSeconds([...alternating].reverse())).toEqual([0, 1]);
  });
});

describe('MixedEditionCounter', () => {
  it('agrees with mixedEditionSeconds when fed in answer order and settled as requests come back', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = prng(seed);
      // Stretches of one edition, stretches of both, and latencies that reorder the answers.
      const sessions: NewSessionTiming[] = [];
      for (let t = 0; t < 20_000; t += 20 + random() * 150) {
        const stretch = Math.floor(t / 2500) % 3;
        const version = stretch === 0 ? '1.0' : stretch === 1 ? '1.1' : random() < 0.5 ? '1.0' : '1.1';
        sessions.push(ns(version, t, 1 + random() * (random() < 0.05 ? 1500 : 40)));
      }
      const counter = new MixedEditionCounter();
      const byAnswer = [...sessions].sort((a, b) => a.answeredMs - b.answeredMs);
      byAnswer.forEach((s, i) => {
        counter.add(s);
        // What the runner knows: the earliest send still unanswered bounds the seconds that are final.
        const firstOpen = Math.min(...byAnswer.slice(i + 1).map((o) => o.sentMs), s.answeredMs);
        counter.settle(Math.floor(firstOpen / 1000));
      });
      const expected = mixedEditionSeconds(sessions).length;
      expect(expected).toBeGreaterThan(0);
      expect({ seed, count: counter.count() }).toEqual({ seed, count: expected });
    }
  });

  it('counts open seconds as they stand, without settling them', () => {
    const counter = new MixedEditionCounter();
    for (const s of [ns('1.0', 100), ns('1.1', 200)]) counter.add(s);
    expect(counter.count()).toBe(0);
    counter.settle(1);
    counter.add(ns('1.0', 1300));
    expect(counter.count()).toBe(1);
    counter.settle(3);
    expect(counter.count()).toBe(1);
    // Past its seconds' promise, a new session changes nothing.
    counter.add(ns('1.1', 1400));
    expect(counter.count()).toBe(1);
  });
});

describe('LoadTally and new sessions', () => {
  const hit = (session: string, version: string, sentMs?: number) => ({
    kind: 'hit' as const,
    newSession: true,
    responseSession: session,
    latencyMs: 5,
    version,
    server: version === '1.0' ? 'S1' : 'S2',
    ...(sentMs !== undefined ? { sentMs, answeredMs: sentMs + 5 } : {}),
  });

  it('reports new sessions per version and the mixed-edition seconds of timed ones', () => {
    const t = new LoadTally();
    ['1.0', '1.1', '1.0', '1.1'].forEach((version, i) => t.record(newUserSessionState(), hit(`s${i}`, version, 100 * i)));
    const r = t.toReport('t', 1);
    expect(r).toMatchObject({ mixedEditionSeconds: 1, newSessionsByVersion: { '1.0': 2, '1.1': 2 }, newSessionsByServer: { S1: 2, S2: 2 } });
  });

  it('counts untimed new sessions per version only, and not a session the user already had', () => {
    const t = new LoadTally();
    const u = newUserSessionState();
    ['1.0', '1.1', '1.0'].forEach((version, i) => t.record(newUserSessionState(), hit(`s${i}`, version)));
    t.record(u, hit('s9', '1.0', 0));
    t.record(u, { ...hit('s9', '1.0', 100), newSession: false, carriedSession: 's9' });
    expect(t.toReport('t', 1)).toMatchObject({ mixedEditionSeconds: 0, newSessionsByVersion: { '1.0': 3, '1.1': 1 } });
  });
});
