/**
 * Turns what each request saw into the run's figures: failed requests, sessions the servers
 * forgot, sessions that saw two versions, and seconds in which two editions took new sessions
 * (`mixed-edition.ts`). Shared by the load generator and the tests' own simulated users, so both
 * count the same way.
 */
import { BoundedCounter, LatencyHistogram, type LoadReport, type LostSessionSample } from './figures';
import { MixedEditionCounter } from './mixed-edition';

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
  /** When the request was sent, in ms since the run started. With `answeredMs`, places a new session for mixed-edition seconds. */
  sentMs?: number;
  /** When the answer arrived, in ms since the run started. */
  answeredMs?: number;
}

/** What the tally remembers about one user's session; the runner keeps one per user. */
export interface UserSessionState {
  started: boolean;
  lost: boolean;
  flipped: boolean;
  /** The version seen so far in the current session. */
  version?: string;
  /** The server of the user's last answer. */
  server?: string;
  /** When the user's last answer came (ms since the run started), when the runner knows. */
  answeredMs?: number;
}

/** How many lost sessions a report describes one by one. */
const lostSampleLimit = 16;

/** The key of losses that no server can be blamed for: a user who had no session yet. */
export const noSessionKey = '(no session)';

/** A fresh {@link UserSessionState}. */
export function newUserSessionState(): UserSessionState {
  return { started: false, lost: false, flipped: false };
}

/**
 * Aggregates observations into a {@link LoadReport}. Memory is bounded whatever the run length,
 * as long as the runner settles the seconds it has no request left in flight from
 * ({@link LoadTally.settleSendsBefore}): until then, their new sessions are kept.
 */
export class LoadTally {
  requests = 0;
  failed = 0;
  sessions = 0;
  completedSessions = 0;
  lostSessions = 0;
  versionFlips = 0;
  private readonly lostSamples: LostSessionSample[] = [];
  readonly latency = new LatencyHistogram();
  private readonly failures = new BoundedCounter(64);
  private readonly versions = new BoundedCounter();
  private readonly servers = new BoundedCounter();
  private readonly newSessionsByServer = new BoundedCounter();
  private readonly newSessionsByVersion = new BoundedCounter();
  private readonly failedByServer = new BoundedCounter();
  private readonly lostSessionsByServer = new BoundedCounter();
  private readonly mixedEdition = new MixedEditionCounter();

  /** Counts one request of one user, updating that user's session state. */
  record(user: UserSessionState, obs: Observation): void {
    this.requests += 1;
    if (obs.latencyMs !== undefined) this.latency.record(obs.latencyMs);
    if (obs.version !== undefined) this.versions.add(obs.version);
    if (obs.server !== undefined) this.servers.add(obs.server);
    if (obs.failure !== undefined) {
      this.failed += 1;
      this.failures.add(obs.failure);
      // A failed request is blamed on the server its session lives on, not on whoever answered (if anyone did).
      this.failedByServer.add(user.started && user.server !== undefined ? user.server : noSessionKey);
      return;
    }
    // A logout ends the session on purpose; what it answers says nothing about affinity.
    if (obs.kind === 'hit') this.trackSession(user, obs);
  }

  /**
   * Every second (since the run started) before `second` is final for mixed-edition seconds: no
   * request sent in it is still in flight. Frees what those seconds held.
   */
  settleSendsBefore(second: number): void {
    this.mixedEdition.settle(second);
  }

  /** Mixed-edition seconds so far (seconds still open as they stand now). */
  get mixedEditionSeconds(): number {
    return this.mixedEdition.count();
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
      lostSamples: [...this.lostSamples],
      versionFlips: this.versionFlips,
      mixedEditionSeconds: this.mixedEdition.count(),
      requestsPerSecond: seconds > 0 ? Math.round((this.requests / seconds) * 100) / 100 : 0,
      latencyMs: this.latency.summary(),
      versions: this.versions.toRecord(),
      servers: this.servers.toRecord(),
      newSessionsByServer: this.newSessionsByServer.toRecord(),
      newSessionsByVersion: this.newSessionsByVersion.toRecord(),
      failedByServer: this.failedByServer.toRecord(),
      lostSessionsByServer: this.lostSessionsByServer.toRecord(),
    };
  }

  private trackSession(user: UserSessionState, obs: Observation): void {
    const session = obs.responseSession ?? obs.carriedSession;
    const created = obs.newSession || (session !== undefined && session !== obs.carriedSession);
    if (created) this.countNewSession(obs);
    if (obs.carriedSession !== undefined && created) this.loseSession(user, obs);
    if (session !== undefined && !user.started) {
      user.started = true;
      this.sessions += 1;
    }
    this.trackVersion(user, obs.version);
    if (obs.server !== undefined) user.server = obs.server;
    if (obs.answeredMs !== undefined) user.answeredMs = obs.answeredMs;
  }

  private countNewSession(obs: Observation): void {
    if (obs.server !== undefined) this.newSessionsByServer.add(obs.server);
    if (obs.version === undefined) return;
    this.newSessionsByVersion.add(obs.version);
    // Without both times (the tests' own simulated users) the session has no place in the order.
    if (obs.sentMs !== undefined && obs.answeredMs !== undefined) this.mixedEdition.add({ sentMs: obs.sentMs, answeredMs: obs.answeredMs, version: obs.version });
  }

  private loseSession(user: UserSessionState, obs: Observation): void {
    // The new session is judged on its own: a version change across the loss is not a flip.
    user.version = undefined;
    if (user.lost) return;
    user.lost = true;
    this.lostSessions += 1;
    this.lostSessionsByServer.add(user.server ?? noSessionKey);
    if (this.lostSamples.length < lostSampleLimit) this.lostSamples.push(lostSample(user, obs));
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

function lostSample(user: UserSessionState, obs: Observation): LostSessionSample {
  return {
    ...(obs.answeredMs !== undefined ? { atMs: Math.round(obs.answeredMs) } : {}),
    ...(obs.answeredMs !== undefined && user.answeredMs !== undefined ? { sinceLastMs: Math.round(obs.answeredMs - user.answeredMs) } : {}),
    ...(user.server !== undefined ? { from: user.server } : {}),
    ...(obs.server !== undefined ? { to: obs.server } : {}),
  };
}
