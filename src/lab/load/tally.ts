/**
 * Turns what each request saw into the run's figures: failed requests, sessions the servers
 * forgot, and sessions that saw two versions. Shared by the load generator and the tests' own
 * simulated users, so both count the same way.
 */
import { BoundedCounter, LatencyHistogram, type LoadReport } from './figures';

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
