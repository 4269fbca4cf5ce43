/**
 * The session-aware load generator behind `turnout load`.
 *
 * It simulates users rather than requests: each user has its own cookie jar, starts a session,
 * makes a handful of requests with think time between them, then logs out or just walks away.
 * What a rollout must not do to those users is what it counts: failed requests, sessions the
 * servers forgot (the user had to start over), and sessions that saw two versions of the app.
 *
 * Pacing is by slots: one request slot every 1/rate seconds. A slot goes to a user whose think
 * time is over, or to a new user when nobody is ready, so the overall rate holds whatever the
 * session length, and the number of users in flight settles near rate x think time.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Options

/** Defaults for everything a caller may leave out. */
export const loadDefaults = {
  target: 'http://127.0.0.1:8080/user/hit',
  requestsPerSession: [5, 15] as [number, number],
  logoutRatio: 0.5,
  requestTimeoutMs: 5000,
} as const;

/** Upper bounds that keep a typo (`--rate 1e9`) from turning into a denial of service. */
export const loadLimits = {
  maxRate: 100_000,
  maxDurationSeconds: 7 * 24 * 3600,
  maxRequestsPerSession: 100_000,
  maxRequestTimeoutMs: 600_000,
  maxThinkTimeMs: 3_600_000,
} as const;

/** True for an absolute http:// or https:// URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The data part of {@link LoadOptions}, validated. */
export const loadSettingsSchema = z.object({
  target: z.string().refine(isHttpUrl, { message: 'must be an http:// or https:// URL' }),
  rate: z.number({ error: 'must be a positive number' }).positive({ error: 'must be a positive number' }).max(loadLimits.maxRate, { error: `must be at most ${loadLimits.maxRate}` }),
  durationSeconds: z
    .number({ error: 'must be a positive number' })
    .positive({ error: 'must be a positive number' })
    .max(loadLimits.maxDurationSeconds, { error: `must be at most ${loadLimits.maxDurationSeconds}` }),
  requestsPerSession: z
    .tuple([requestCount(), requestCount()])
    .refine(([min, max]) => min <= max, { message: 'min must not be greater than max' })
    .default(loadDefaults.requestsPerSession),
  logoutRatio: z.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be a number from 0 to 1' }).max(1, { error: 'must be a number from 0 to 1' }).default(loadDefaults.logoutRatio),
  requestTimeoutMs: z
    .int({ error: 'must be a positive whole number of milliseconds' })
    .positive({ error: 'must be a positive whole number of milliseconds' })
    .max(loadLimits.maxRequestTimeoutMs, { error: `must be at most ${loadLimits.maxRequestTimeoutMs}` })
    .default(loadDefaults.requestTimeoutMs),
  thinkTimeMs: z.number({ error: 'must be a number of milliseconds' }).min(0, { error: 'must not be negative' }).max(loadLimits.maxThinkTimeMs).optional(),
});
/** Validated load settings, defaults filled in. */
export type LoadSettings = z.infer<typeof loadSettingsSchema>;

function requestCount() {
  const msg = `must be a whole number from 1 to ${loadLimits.maxRequestsPerSession}`;
  return z.int({ error: msg }).min(1, { error: msg }).max(loadLimits.maxRequestsPerSession, { error: msg });
}

/** What {@link runLoad} takes. */
export interface LoadOptions {
  /** The URL each simulated request goes to, such as `http://127.0.0.1:8080/user/hit`. Logout goes to `logout` beside it. */
  target: string;
  /** Requests per second, overall (all users together). */
  rate: number;
  /** How long new requests are issued. Requests still in flight then are awaited, not cut. */
  durationSeconds: number;
  /** Requests a user makes in one session, drawn uniformly from [min, max]. Default [5, 15]. */
  requestsPerSession?: [number, number];
  /** Share of users who log out at the end; the rest leave their session to idle out. Default 0.5. */
  logoutRatio?: number;
  /** A request that takes longer fails with reason `timeout`. Default 5000. */
  requestTimeoutMs?: number;
  /** Mean think time between a user's requests. By default derived from the duration, at most 1 s. */
  thinkTimeMs?: number;
  /** Stops the run early; requests in flight are abandoned and not counted. */
  signal?: AbortSignal;
  /** Called about once a second while the run lasts. */
  onProgress?: (p: LoadProgress) => void;
}

/** One problem with a load option, by the option's name in {@link LoadOptions}. */
export interface LoadOptionProblem {
  option: string;
  message: string;
}

/** Thrown by {@link runLoad} when an option is invalid; nothing was sent. */
export class LoadOptionsError extends Error {
  constructor(readonly problems: LoadOptionProblem[]) {
    super(problems.map((p) => `${p.option}: ${p.message}`).join('\n'));
    this.name = 'LoadOptionsError';
  }
}

/** Validates the data part of the options, or throws {@link LoadOptionsError}. */
export function parseLoadSettings(opts: LoadOptions): LoadSettings {
  const { signal: _signal, onProgress: _onProgress, ...data } = opts;
  const parsed = loadSettingsSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new LoadOptionsError(parsed.error.issues.map((i) => ({ option: i.path.map(String).join('.') || '(options)', message: i.message })));
}

// ---------------------------------------------------------------------------------------------
// Report

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** What a run saw. The JSON of `turnout load --json`. */
export interface LoadReport {
  target: string;
  /** Seconds during which requests were issued (shorter than asked when stopped early). */
  durationSeconds: number;
  /** Requests completed, failed or not. */
  requests: number;
  /** Network errors, timeouts and non-2xx responses. */
  failed: number;
  /** Failed requests by reason (`timeout`, `http 500`, `network ECONNREFUSED`), most frequent first. */
  failures: { reason: string; count: number }[];
  /** Users who got a session. */
  sessions: number;
  /** Users who made every request they meant to (and logged out, if they meant to). */
  completedSessions: number;
  /** Users whose session cookie was answered with a different session: they had to start over. */
  lostSessions: number;
  /** Users whose one session saw two different versions. */
  versionFlips: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  /** Requests per application version, as the servers reported it. */
  versions: Record<string, number>;
  /** Requests per server. */
  servers: Record<string, number>;
  /** Sessions created, per server that created them. */
  newSessionsByServer: Record<string, number>;
}

/** A snapshot while the run lasts. */
export interface LoadProgress {
  elapsedSeconds: number;
  requests: number;
  failed: number;
  sessions: number;
  lostSessions: number;
  versionFlips: number;
  /** Users in the middle of a session. */
  activeUsers: number;
  inFlight: number;
}

/**
 * A fixed-size log-linear latency histogram: 32 sub-buckets per power of two of microseconds,
 * so any percentile is within about 3% of the truth and memory never grows with the run.
 */
export class LatencyHistogram {
  private static readonly subBits = 5;
  private static readonly linear = 64;
  private readonly counts = new Uint32Array(LatencyHistogram.linear + 40 * 32);
  private total = 0;
  private maxMicros = 0;

  /** Adds one sample. */
  record(ms: number): void {
    const micros = Math.max(0, Math.round(ms * 1000));
    const index = Math.min(LatencyHistogram.indexOf(micros), this.counts.length - 1);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total += 1;
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  /** Number of samples. */
  get count(): number {
    return this.total;
  }

  /** The q-quantile (0..1) in ms: the upper edge of its bucket, never above the largest sample. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(LatencyHistogram.upperEdge(i), this.maxMicros) / 1000;
    }
    return this.maxMicros / 1000;
  }

  /** p50, p95, p99 and max, rounded to microseconds. */
  summary(): LatencySummary {
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    return { p50: round(this.quantile(0.5)), p95: round(this.quantile(0.95)), p99: round(this.quantile(0.99)), max: round(this.maxMicros / 1000) };
  }

  private static indexOf(micros: number): number {
    if (micros < LatencyHistogram.linear) return micros;
    const exp = Math.floor(Math.log2(micros));
    const sub = Math.floor(micros / 2 ** (exp - LatencyHistogram.subBits)) - 32;
    return LatencyHistogram.linear + (exp - 6) * 32 + sub;
  }

  private static upperEdge(index: number): number {
    if (index < LatencyHistogram.linear) return index;
    const exp = Math.floor((index - LatencyHistogram.linear) / 32) + 6;
    const sub = (index - LatencyHistogram.linear) % 32;
    const width = 2 ** (exp - LatencyHistogram.subBits);
    return (32 + sub + 1) * width - 1;
  }
}

/** Counts by key, with a cap on distinct keys so a misbehaving server cannot grow it forever. */
export class BoundedCounter {
  /** The key that absorbs counts once the cap is reached. */
  static readonly overflowKey = '(other)';
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxKeys = 256) {}

  /** Adds `n` to `key`. */
  add(key: string, n = 1): void {
    const k = this.counts.has(key) || this.counts.size < this.maxKeys ? key : BoundedCounter.overflowKey;
    this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }

  /** Sum of all counts. */
  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** The counts as a plain object, keys sorted. */
  toRecord(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The counts as a list, largest first. */
  toList(): { key: string; count: number }[] {
    return [...this.counts.entries()].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  }
}

/** What one request told us, independent of how it travelled. */
export interface Observation {
  kind: 'hit' | 'logout';
  /** Set when the request failed: `timeout`, `network ECONNRESET`, `http 503`. */
  failure?: string;
  /** Set when a response came back (any status). */
  latencyMs?: number;
  version?: string;
  server?: string;
  /** The session ID the request's cookie carried. */
  carriedSession?: string;
  /** The session ID the response belongs to, from its body or Set-Cookie. */
  responseSession?: string;
  /** The server said it created a session for this request. */
  newSession: boolean;
}

/** What the tally remembers about one user's session; the runner keeps one per user. */
export interface UserSessionState {
  started: boolean;
  lost: boolean;
  flipped: boolean;
  /** The version seen so far in the current session. */
  version?: string;
}

/** A fresh {@link UserSessionState}. */
export function newUserSessionState(): UserSessionState {
  return { started: false, lost: false, flipped: false };
}

/** Aggregates observations into a {@link LoadReport}. Memory is bounded whatever the run length. */
export class LoadTally {
  requests = 0;
  failed = 0;
  sessions = 0;
  completedSessions = 0;
  lostSessions = 0;
  versionFlips = 0;
  readonly latency = new LatencyHistogram();
  private readonly failures = new BoundedCounter(64);
  private readonly versions = new BoundedCounter();
  private readonly servers = new BoundedCounter();
  private readonly newSessionsByServer = new BoundedCounter();

  /** Counts one request of one user, updating that user's session state. */
  record(user: UserSessionState, obs: Observation): void {
    this.requests += 1;
    if (obs.latencyMs !== undefined) this.latency.record(obs.latencyMs);
    if (obs.version !== undefined) this.versions.add(obs.version);
    if (obs.server !== undefined) this.servers.add(obs.server);
    if (obs.failure !== undefined) {
      this.failed += 1;
      this.failures.add(obs.failure);
      return;
    }
    // A logout ends the session on purpose; what it answers says nothing about affinity.
    if (obs.kind === 'hit') this.trackSession(user, obs);
  }

  /** Counts a user who did everything it came to do. */
  completeSession(): void {
    this.completedSessions += 1;
  }

  /** The report, for a run that issued requests for `elapsedSeconds`. */
  toReport(target: string, elapsedSeconds: number): LoadReport {
    const seconds = Math.round(elapsedSeconds * 1000) / 1000;
    return {
      target,
      durationSeconds: seconds,
      requests: this.requests,
      failed: this.failed,
      failures: this.failures.toList().map(({ key, count }) => ({ reason: key, count })),
      sessions: this.sessions,
      completedSessions: this.completedSessions,
      lostSessions: this.lostSessions,
      versionFlips: this.versionFlips,
      requestsPerSecond: seconds > 0 ? Math.round((this.requests / seconds) * 100) / 100 : 0,
      latencyMs: this.latency.summary(),
      versions: this.versions.toRecord(),
      servers: this.servers.toRecord(),
      newSessionsByServer: this.newSessionsByServer.toRecord(),
    };
  }

  private trackSession(user: UserSessionState, obs: Observation): void {
    const session = obs.responseSession ?? obs.carriedSession;
    const created = obs.newSession || (session !== undefined && session !== obs.carriedSession);
    if (created && obs.server !== undefined) this.newSessionsByServer.add(obs.server);
    if (obs.carriedSession !== undefined && created) this.loseSession(user);
    if (session !== undefined && !user.started) {
      user.started = true;
      this.sessions += 1;
    }
    this.trackVersion(user, obs.version);
  }

  private loseSession(user: UserSessionState): void {
    // The new session is judged on its own: a version change across the loss is not a flip.
    user.version = undefined;
    if (user.lost) return;
    user.lost = true;
    this.lostSessions += 1;
  }

  private trackVersion(user: UserSessionState, version: string | undefined): void {
    if (version === undefined) return;
    if (user.version !== undefined && user.version !== version && !user.flipped) {
      user.flipped = true;
      this.versionFlips += 1;
    }
    user.version = version;
  }
}

// ---------------------------------------------------------------------------------------------
// Cookies and responses

/** The name of the session cookie. */
export const sessionCookieName = 'JSESSIONID';

/**
 * A per-user cookie jar. It is deliberately small: every request of a user goes to one origin,
 * so it keeps name=value pairs and honours only deletion (Max-Age <= 0 or an Expires in the past).
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies the Set-Cookie headers of a response. */
  update(setCookie: readonly string[] | string | undefined, now = Date.now()): void {
    const headers = setCookie === undefined ? [] : typeof setCookie === 'string' ? [setCookie] : setCookie;
    for (const header of headers) this.apply(header, now);
  }

  /** The Cookie header to send, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies.entries()].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The value of one cookie. */
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private apply(header: string, now: number): void {
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (name === '') return;
    if (isExpired(attributes, now)) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

function isExpired(attributes: readonly string[], now: number): boolean {
  for (const attribute of attributes) {
    const eq = attribute.indexOf('=');
    const key = (eq < 0 ? attribute : attribute.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : attribute.slice(eq + 1).trim();
    if (key === 'max-age' && /^-?\d+$/.test(value)) return Number(value) <= 0;
    if (key === 'expires') {
      const at = Date.parse(value);
      if (!Number.isNaN(at) && at <= now) return true;
    }
  }
  return false;
}

/**
 * Splits a session cookie value, `<sessionId>:<cloneId>[:<cloneId>...]`. After a fail-over the
 * WebSphere plug-in appends clone IDs, so only the part before the first `:` names the session.
 */
export function parseSessionCookie(value: string | undefined): { sessionId: string; cloneIds: string[] } | undefined {
  if (value === undefined || value === '') return undefined;
  const [sessionId = '', ...cloneIds] = value.split(':');
  return sessionId === '' ? undefined : { sessionId, cloneIds };
}

/** The session ID set by a response's Set-Cookie headers, if any (a deletion is not a session). */
export function sessionFromSetCookie(setCookie: readonly string[] | string | undefined): string | undefined {
  const jar = new CookieJar();
  jar.update(setCookie);
  return parseSessionCookie(jar.get(sessionCookieName))?.sessionId;
}

/** The parts of a lab app response the load generator reads; anything else is ignored. */
export const appResponseSchema = z.looseObject({
  version: z.string().optional().catch(undefined),
  server: z.string().optional().catch(undefined),
  sessionId: z.string().optional().catch(undefined),
  newSession: z.boolean().optional().catch(undefined),
});
/** A lab app response, as far as the load generator cares. */
export type AppResponse = z.infer<typeof appResponseSchema>;

/** A response as it came off the wire. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  latencyMs: number;
}

/** Turns a response into an {@link Observation}. */
export function observeResponse(kind: Observation['kind'], carriedSession: string | undefined, res: RawResponse): Observation {
  const body = parseBody(res.body);
  const version = headerValue(res.headers['x-turnout-version']) ?? body.version;
  const server = headerValue(res.headers['x-turnout-server']) ?? body.server;
  const cookieSession = sessionFromSetCookie(res.headers['set-cookie']);
  const obs: Observation = {
    kind,
    latencyMs: res.latencyMs,
    newSession: body.newSession === true,
    ...(version !== undefined ? { version } : {}),
    ...(server !== undefined ? { server } : {}),
    ...(carriedSession !== undefined ? { carriedSession } : {}),
  };
  const responseSession = body.sessionId ?? cookieSession;
  if (responseSession !== undefined) obs.responseSession = responseSession;
  if (res.status < 200 || res.status > 299) obs.failure = `http ${res.status}`;
  return obs;
}

function parseBody(text: string): AppResponse {
  try {
    const parsed = appResponseSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** The logout URL that goes with a target: `logout` beside the target's last path segment. */
export function logoutUrlFor(target: string): URL {
  const url = new URL('logout', target);
  url.search = '';
  return url;
}

// ---------------------------------------------------------------------------------------------
// Transport

const maxBodyBytes = 64 * 1024;

/** Outcome of one HTTP exchange. `aborted` means the run was stopped: the request is not counted. */
type Exchange = { kind: 'response'; response: RawResponse } | { kind: 'error'; reason: string } | { kind: 'aborted' };

/** An exchange that may be tried once more: see {@link createTransport}. */
type Attempt = Exchange | { kind: 'retry' };

class TimeoutError extends Error {
  constructor() {
    super('request timed out');
  }
}

class StoppedError extends Error {
  constructor() {
    super('load run stopped');
  }
}

interface Transport {
  get(url: URL, cookie: string | undefined): Promise<Exchange>;
  /** Abandons every request in flight; they resolve as `aborted`. */
  abortAll(): void;
  close(): void;
}

function createTransport(timeoutMs: number): Transport {
  const options = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256 };
  const agents = { http: new http.Agent(options), https: new https.Agent(options) };
  const live = new Set<http.ClientRequest>();
  let stopped = false;
  const send = (url: URL, cookie: string | undefined, fresh = false): Promise<Attempt> => {
    if (stopped) return Promise.resolve({ kind: 'aborted' });
    const secure = url.protocol === 'https:';
    const agent = fresh ? false : secure ? agents.https : agents.http;
    return exchange(secure ? https : http, agent, { url, cookie, timeoutMs, live, stopped: () => stopped });
  };
  return {
    async get(url, cookie) {
      const first = await send(url, cookie);
      // A kept-alive socket the server closed just as we reused it: the request never reached
      // the app, so once more on a fresh socket is the honest answer, not a failure of the app.
      // Fresh, not pooled: when a server closes its idle connections (HAProxy's old worker after a
      // reload), the next pooled socket is as likely to be closing too.
      const result = first.kind === 'retry' ? await send(url, cookie, true) : first;
      return result.kind === 'retry' ? { kind: 'error', reason: 'network ECONNRESET' } : result;
    },
    abortAll() {
      stopped = true;
      for (const req of live) req.destroy(new StoppedError());
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

interface ExchangeSpec {
  url: URL;
  cookie: string | undefined;
  timeoutMs: number;
  live: Set<http.ClientRequest>;
  stopped: () => boolean;
}

function exchange(client: typeof http | typeof https, agent: http.Agent | false, spec: ExchangeSpec): Promise<Attempt> {
  return new Promise((resolve) => {
    const started = performance.now();
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', ...(spec.cookie !== undefined ? { cookie: spec.cookie } : {}) };
    const req = client.request(spec.url, { method: 'GET', agent, headers });
    let timedOut = false;
    let settled = false;
    spec.live.add(req);
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new TimeoutError());
    }, spec.timeoutMs);
    // Errors can surface on the request, on the response, or both: the first word wins.
    const finish = (result: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.live.delete(req);
      resolve(result);
    };
    const fail = (err: NodeJS.ErrnoException) => finish(classifyError(req, err, timedOut, spec.stopped()));
    req.on('error', fail);
    req.on('response', (res) => {
      res.on('error', fail);
      readBody(res, (body) => finish({ kind: 'response', response: { status: res.statusCode ?? 0, headers: res.headers, body, latencyMs: performance.now() - started } }));
    });
    req.on('close', () => fail(Object.assign(new Error('connection closed'), { code: 'ECONNCLOSED' })));
    req.end();
  });
}

function classifyError(req: http.ClientRequest, err: NodeJS.ErrnoException, timedOut: boolean, stopped: boolean): Attempt {
  if (err instanceof StoppedError || stopped) return { kind: 'aborted' };
  if (timedOut) return { kind: 'error', reason: 'timeout' };
  if (req.reusedSocket && err.code === 'ECONNRESET') return { kind: 'retry' };
  return { kind: 'error', reason: `network ${err.code ?? err.message}` };
}

function readBody(res: http.IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    // Keep reading past the cap so the socket can be reused, but keep nothing more.
    if (size < maxBodyBytes) chunks.push(chunk);
    size += chunk.length;
  });
  res.on('end', () => done(Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8')));
}

// ---------------------------------------------------------------------------------------------
// Users and pacing

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

/**
 * The default mean think time: short enough that a typical session ends a few times over within
 * the run (so short test runs complete sessions), never more than a second.
 */
export function defaultThinkTimeMs(settings: Pick<LoadSettings, 'durationSeconds' | 'requestsPerSession'>): number {
  const [min, max] = settings.requestsPerSession;
  const meanRequests = (min + max) / 2;
  return Math.min(1000, Math.max(20, (settings.durationSeconds * 1000) / (3 * meanRequests)));
}

/** How many slots may be issued at once when the event loop fell behind; the rest are skipped. */
const maxBurst = 50;

class LoadRun {
  private readonly tally = new LoadTally();
  private readonly ready = new ReadyQueue();
  private readonly inFlight = new Set<Promise<void>>();
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
      const nextAt = this.startedAt + (issued * 1000) / rate;
      await this.sleep(Math.min(nextAt, this.startedAt + durationMs) - performance.now());
    }
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
    const kind = user.hitsLeft > 0 ? 'hit' : 'logout';
    const carried = parseSessionCookie(user.jar.get(sessionCookieName))?.sessionId;
    const result = await this.transport.get(kind === 'hit' ? this.hitUrl : this.logoutUrl, user.jar.header());
    if (result.kind === 'aborted') return;
    if (result.kind === 'error') this.tally.record(user.state, { kind, failure: result.reason, newSession: false });
    else {
      user.jar.update(result.response.headers['set-cookie']);
      this.tally.record(user.state, observeResponse(kind, carried, result.response));
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
