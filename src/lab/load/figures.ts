/**
 * What a load run reports, and the bounded counters behind it: a run may last a week at a high
 * rate, so nothing here grows with the number of requests.
 */

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
  /** The first few lost sessions, to tell why: which server the user was on, which answered, after how long. */
  lostSamples: LostSessionSample[];
  /** Users whose one session saw two different versions. */
  versionFlips: number;
  /**
   * Seconds in which both editions took new sessions at once: a new session sent in the second went
   * to one version between new sessions on another, in the order the load generator can be sure of
   * (see `load/mixed-edition.ts`). A clean one-way switch, even mid-second, counts 0.
   */
  mixedEditionSeconds: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  /** Requests per application version, as the servers reported it. */
  versions: Record<string, number>;
  /** Requests per server. */
  servers: Record<string, number>;
  /** Sessions created, per server that created them. */
  newSessionsByServer: Record<string, number>;
  /** The same sessions, per version that created them. */
  newSessionsByVersion: Record<string, number>;
  /**
   * Failed requests by the server the user's session lived on (its last answer's server), or
   * `(no session)` for a user who had none yet: a fault on one server shows here as that server alone.
   */
  failedByServer: Record<string, number>;
  /** Lost sessions by the server that held them (`(no session)` when no earlier answer named one). */
  lostSessionsByServer: Record<string, number>;
}

/** One lost session, as the user saw it. */
export interface LostSessionSample {
  /** When the answer that lost it came, in ms since the run started (when known). */
  atMs?: number;
  /** Milliseconds since the user's previous answer: beyond the servers' idle time, the session expired. */
  sinceLastMs?: number;
  /** The server that held the session (from the previous answer). */
  from?: string;
  /** The server that answered with a new session. */
  to?: string;
}

/** A snapshot while the run lasts. */
export interface LoadProgress {
  elapsedSeconds: number;
  requests: number;
  failed: number;
  sessions: number;
  lostSessions: number;
  versionFlips: number;
  /** Mixed-edition seconds so far; a second still open may yet become mixed. */
  mixedEditionSeconds: number;
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

