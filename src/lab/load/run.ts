/**
 * The request loop: simulated users, their think time, and the pacing of request slots.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { defaultThinkTimeMs, parseLoadSettings, type LoadOptions, type LoadSettings } from './options';
import type { LoadProgress, LoadReport } from './figures';
import { LoadTally, newUserSessionState, type UserSessionState } from './tally';
import { CookieJar, logoutUrlFor, observeResponse, parseSessionCookie, sessionCookieName } from './responses';
import { createTransport, type Transport } from './transport';

interface User {
  jar: CookieJar;
  state: UserSessionState;
  hitsLeft: number;
  logout: boolean;
  readyAt: number;
}

/** A min-heap of users by the time their think time ends. */
class ReadyQueue {
  private readonly heap: User[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(user: User): void {
    const h = this.heap;
    h.push(user);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.readyAt <= h[i]!.readyAt) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  /** The user whose think time ended first, if it has ended by `now`. */
  popReady(now: number): User | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined || top.readyAt > now) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.siftDown();
    }
    return top;
  }

  private siftDown(): void {
    const h = this.heap;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.readyAt < h[m]!.readyAt) m = l;
      if (r < h.length && h[r]!.readyAt < h[m]!.readyAt) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

/** How many slots may be issued at once when the event loop fell behind; the rest are skipped. */
const maxBurst = 50;

class LoadRun {
  private readonly tally = new LoadTally();
  private readonly ready = new ReadyQueue();
  private readonly inFlight = new Set<Promise<void>>();
  /** Requests in flight by the second (since the start) they were sent in: which seconds are final. */
  private readonly sendsInFlight = new Map<number, number>();
  private readonly stop = new AbortController();
  private readonly transport: Transport;
  private readonly hitUrl: URL;
  private readonly logoutUrl: URL;
  private readonly thinkMs: number;
  private readonly startedAt = performance.now();
  private stoppedAt: number | undefined;

  constructor(
    private readonly settings: LoadSettings,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.transport = createTransport(settings.requestTimeoutMs);
    this.hitUrl = new URL(settings.target);
    this.logoutUrl = logoutUrlFor(settings.target);
    this.thinkMs = settings.thinkTimeMs ?? defaultThinkTimeMs(settings);
  }

  async run(onProgress?: (p: LoadProgress) => void): Promise<LoadReport> {
    const onAbort = () => {
      this.stop.abort();
      this.transport.abortAll();
    };
    this.signal?.addEventListener('abort', onAbort, { once: true });
    const ticker = onProgress ? setInterval(() => onProgress(this.progress()), 1000) : undefined;
    try {
      if (!this.signal?.aborted) await this.issueSlots();
      this.stoppedAt = performance.now();
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    } finally {
      if (ticker) clearInterval(ticker);
      this.signal?.removeEventListener('abort', onAbort);
      this.transport.close();
    }
    return this.tally.toReport(this.settings.target, ((this.stoppedAt ?? performance.now()) - this.startedAt) / 1000);
  }

  private async issueSlots(): Promise<void> {
    const { rate, durationSeconds } = this.settings;
    const durationMs = durationSeconds * 1000;
    const totalSlots = Math.ceil(rate * durationSeconds);
    let issued = 0;
    while (issued < totalSlots && !this.stop.signal.aborted) {
      const elapsed = performance.now() - this.startedAt;
      if (elapsed >= durationMs) return;
      const due = Math.min(Math.floor((elapsed * rate) / 1000) + 1, totalSlots) - issued;
      for (let k = 0; k < Math.min(due, maxBurst); k++) this.issueSlot();
      issued += Math.max(due, 0);
      this.tally.settleSendsBefore(this.firstOpenSecond());
      const nextAt = this.startedAt + (issued * 1000) / rate;
      await this.sleep(Math.min(nextAt, this.startedAt + durationMs) - performance.now());
    }
  }

  /** The earliest second a request still to be answered was, or will be, sent in. */
  private firstOpenSecond(): number {
    let first = Math.floor((performance.now() - this.startedAt) / 1000);
    for (const second of this.sendsInFlight.keys()) first = Math.min(first, second);
    return first;
  }

  private async sleep(ms: number): Promise<void> {
    try {
      await delay(Math.max(1, ms), undefined, { signal: this.stop.signal });
    } catch {
      // Stopped: the loop condition sees it.
    }
  }

  private issueSlot(): void {
    const user = this.ready.popReady(performance.now()) ?? this.newUser();
    const done = this.step(user).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  private newUser(): User {
    const [min, max] = this.settings.requestsPerSession;
    return {
      jar: new CookieJar(),
      state: newUserSessionState(),
      hitsLeft: min + Math.floor(Math.random() * (max - min + 1)),
      logout: Math.random() < this.settings.logoutRatio,
      readyAt: 0,
    };
  }

  /** One request of one user, then back to thinking, or away. */
  private async step(user: User): Promise<void> {
    // Taken before the request goes out, and the answer's time after it is read: an early send and a
    // late answer can only hide an order between new sessions, never invent one.
    const sentMs = performance.now() - this.startedAt;
    const second = Math.floor(sentMs / 1000);
    this.sendsInFlight.set(second, (this.sendsInFlight.get(second) ?? 0) + 1);
    try {
      await this.exchange(user, sentMs);
    } finally {
      const left = (this.sendsInFlight.get(second) ?? 1) - 1;
      if (left > 0) this.sendsInFlight.set(second, left);
      else this.sendsInFlight.delete(second);
    }
  }

  private async exchange(user: User, sentMs: number): Promise<void> {
    const kind = user.hitsLeft > 0 ? 'hit' : 'logout';
    const carried = parseSessionCookie(user.jar.get(sessionCookieName))?.sessionId;
    const result = await this.transport.get(kind === 'hit' ? this.hitUrl : this.logoutUrl, user.jar.header());
    const answeredMs = performance.now() - this.startedAt;
    if (result.kind === 'aborted') return;
    if (result.kind === 'error') this.tally.record(user.state, { kind, failure: result.reason, newSession: false });
    else {
      user.jar.update(result.response.headers['set-cookie']);
      this.tally.record(user.state, { ...observeResponse(kind, carried, result.response), sentMs, answeredMs });
    }
    if (kind === 'hit') user.hitsLeft -= 1;
    else user.logout = false;
    this.next(user);
  }

  private next(user: User): void {
    if (user.hitsLeft <= 0 && !user.logout) return this.tally.completeSession();
    // Past the end of the run the user is simply cut short; that is not a lost session.
    if (this.stoppedAt !== undefined || this.stop.signal.aborted) return;
    user.readyAt = performance.now() + this.thinkMs * (0.5 + Math.random());
    this.ready.push(user);
  }

  private progress(): LoadProgress {
    const t = this.tally;
    return {
      elapsedSeconds: Math.round(performance.now() - this.startedAt) / 1000,
      requests: t.requests,
      failed: t.failed,
      sessions: t.sessions,
      lostSessions: t.lostSessions,
      versionFlips: t.versionFlips,
      mixedEditionSeconds: t.mixedEditionSeconds,
      activeUsers: this.ready.size + this.inFlight.size,
      inFlight: this.inFlight.size,
    };
  }
}

/**
 * Runs session-aware load against `opts.target` and reports what the users saw.
 *
 * Bounded: at most ceil(rate x duration) requests (plus one retry each for a reused socket the
 * server had closed), and it returns at most `requestTimeoutMs` after the duration ends.
 *
 * @throws LoadOptionsError when an option is invalid, before anything is sent.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const settings = parseLoadSettings(opts);
  return new LoadRun(settings, opts.signal).run(opts.onProgress);
}
