/**
 * Mixed-edition seconds: the seconds in which both editions of the app took new sessions at once.
 *
 * The load generator cannot see when a server created a session, only when the request that made
 * it was sent and when its answer arrived; the creation lies between the two. So the order it can
 * trust is happened-before: session e came before session f when e's answer arrived before f's
 * request was sent. Concurrent requests (neither answered before the other was sent) have no known
 * order, and nothing is concluded from them.
 *
 * Both editions took new sessions at once when, in that order, new sessions went to edition A,
 * then to B, then to A again: e1 -> e2 -> e3, with e1 and e3 on A and e2 on B. A second (whole
 * seconds since the run started, by send time) is a mixed-edition second when a new session e2
 * sent in it was preceded and followed that way by new sessions e1 and e3 on another edition, both
 * sent in the second before, the same second or the second after.
 *
 * What follows from that:
 * - A clean one-way switch (every new session on N, then every one on N+1) counts 0, even
 *   mid-second and however the answers around the switch were reordered in flight: e3 would have
 *   to be an N session created after an N+1 session, and there is none.
 * - A switch back (a rollback: N, then N+1, then N again) is a one-way switch too, unless N+1 took
 *   new sessions for only about a second (one to two, as the seconds fall) before N took them
 *   back: at that resolution it cannot be told from interleaving, and it counts.
 * - Two editions taking new sessions side by side count every second in which that shows, which at
 *   a few new sessions a second is every second it lasts; a single stray new session counts the
 *   second it was sent in.
 */

/** One new session as the load generator saw it. Times are milliseconds since the run started. */
export interface NewSessionTiming {
  /** When the request that created the session was sent (or earlier: an earlier time only loses order, never invents it). */
  sentMs: number;
  /** When its answer arrived (or later, for the same reason). */
  answeredMs: number;
  /** The version that answered. */
  version: string;
}

/** The whole second since the run started in which a new session's request was sent. */
export function sendSecond(session: NewSessionTiming): number {
  return Math.floor(session.sentMs / 1000);
}

/**
 * The mixed-edition seconds among `sessions`, in order (seconds since the run started). See the
 * file's comment for the definition. Pure; the order of `sessions` does not matter.
 */
export function mixedEditionSeconds(sessions: readonly NewSessionTiming[]): number[] {
  const buckets = bySecond(sessions);
  return [...buckets.keys()].sort((a, b) => a - b).filter((k) => isMixedSecond(buckets, k));
}

/**
 * Whether a new session sent in second `k`, on one edition, came after a new session on another
 * edition and before another new session on that same edition, both sent from second k-1 to k+1.
 */
function isMixedSecond(buckets: ReadonlyMap<number, readonly NewSessionTiming[]>, k: number): boolean {
  const current = buckets.get(k) ?? [];
  if (current.length === 0) return false;
  // Per edition, its earliest answer (the best e1) and its latest send (the best e3) in the window.
  const firstAnswer = new Map<string, number>();
  const lastSend = new Map<string, number>();
  for (const second of [k - 1, k, k + 1]) {
    for (const s of buckets.get(second) ?? []) {
      firstAnswer.set(s.version, Math.min(firstAnswer.get(s.version) ?? Infinity, s.answeredMs));
      lastSend.set(s.version, Math.max(lastSend.get(s.version) ?? -Infinity, s.sentMs));
    }
  }
  return current.some((e2) => {
    for (const [a, answered] of firstAnswer) {
      if (a !== e2.version && answered < e2.sentMs && e2.answeredMs < (lastSend.get(a) ?? -Infinity)) return true;
    }
    return false;
  });
}

function bySecond(sessions: Iterable<NewSessionTiming>): Map<number, NewSessionTiming[]> {
  const buckets = new Map<number, NewSessionTiming[]>();
  for (const s of sessions) addTo(buckets, s);
  return buckets;
}

function addTo(buckets: Map<number, NewSessionTiming[]>, session: NewSessionTiming): void {
  const k = sendSecond(session);
  const bucket = buckets.get(k);
  if (bucket) bucket.push(session);
  else buckets.set(k, [session]);
}

/**
 * {@link mixedEditionSeconds} counted while a run lasts, with memory bounded by the seconds still
 * open rather than by the run's length. New sessions arrive in the order of their answers, not of
 * their sends, so a second is only final once no request sent in it or before is still in flight:
 * the runner says so with {@link MixedEditionCounter.settle}. A second is counted for good once the
 * second after it is final too.
 */
export class MixedEditionCounter {
  private readonly open = new Map<number, NewSessionTiming[]>();
  /** Every second before this one is final: no new session sent in it is to come. */
  private finalBefore = 0;
  /** Every second before this one is counted in `counted`. */
  private countedBefore = 0;
  private counted = 0;

  /**
   * Adds one new session. One sent in a second already final is left out: the runner's promise
   * was that none would come, and its second may already be counted without it.
   */
  add(session: NewSessionTiming): void {
    if (sendSecond(session) >= this.finalBefore) addTo(this.open, session);
  }

  /** Every second before `second` is final: no request sent in it is still in flight. */
  settle(second: number): void {
    if (second <= this.finalBefore) return;
    this.finalBefore = second;
    // A second's window reaches into the next one, so the last final second is not counted yet.
    const countBefore = second - 1;
    for (const k of this.open.keys()) if (k >= this.countedBefore && k < countBefore && isMixedSecond(this.open, k)) this.counted += 1;
    this.countedBefore = Math.max(this.countedBefore, countBefore);
    // What the first second still to count looks back on stays.
    for (const k of this.open.keys()) if (k < this.countedBefore - 1) this.open.delete(k);
  }

  /** Mixed-edition seconds so far: those counted for good, and the others as they stand now. */
  count(): number {
    let pending = 0;
    for (const k of this.open.keys()) if (k >= this.countedBefore && isMixedSecond(this.open, k)) pending += 1;
    return this.counted + pending;
  }
}
