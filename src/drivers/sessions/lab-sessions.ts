/**
 * Session counts from the lab, read through its deployment manager as WebSphere's PMI is read
 * through the dmgr: one `GET /sessions?server=...` per poll, whatever the number of servers.
 *
 * Unknown is never zero. When the dmgr cannot be reached, or answers something else than the
 * counts, every server asked is `null` with the reason; a running server the dmgr could not read
 * is `null` too. Only a server the dmgr reports stopped reads 0.
 *
 * Unlike PMI, the lab's dmgr can also say when a count changes (`GET /sessions/change`), so a drain
 * waits on that between reads and hears of the last session ending at once.
 */
import { allServers, type Estate } from '../../model';
import { liveCountReportSchema, type LiveCount } from '../../lab/dmgr-api';
import { requestJson } from '../http-json';
import { sessionWaitOutcomes, type ServerSessions, type SessionCounter, type SessionWaitOutcome } from './sessions';

/** Options of the lab session counter. */
export interface LabSessionCounterOptions {
  /** How long one poll may wait for the dmgr; default 5 s. */
  timeoutMs?: number;
}

class LabSessionCounter implements SessionCounter {
  private readonly known: Set<string>;

  constructor(
    private readonly adminUrl: string,
    estate: Estate,
    private readonly timeoutMs: number,
  ) {
    this.known = new Set(allServers(estate).map(({ server }) => server.name));
  }

  /** One dmgr call for every known server; the answer by name, or why there is none. */
  private async read(names: readonly string[]): Promise<Map<string, LiveCount> | string> {
    if (names.length === 0) return new Map();
    const query = names.map((n) => `server=${encodeURIComponent(n)}`).join('&');
    const url = `${this.adminUrl}/sessions?${query}`;
    try {
      const res = await requestJson(url, 'GET', undefined, this.timeoutMs);
      if (res.status !== 200) return `the dmgr answered GET ${url} with HTTP ${res.status}: ${JSON.stringify(res.body)?.slice(0, 200)}`;
      const parsed = liveCountReportSchema.safeParse(res.body);
      if (!parsed.success) return `the dmgr's answer to GET ${url} is not a session report: ${parsed.error.message.slice(0, 200)}`;
      return new Map(parsed.data.servers.map((s) => [s.name, s]));
    } catch (err) {
      return `the dmgr at ${this.adminUrl} is unreachable: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  async waitForChange(known: readonly { name: string; sessions: number }[], waitMs: number, signal?: AbortSignal): Promise<SessionWaitOutcome> {
    const ours = known.filter((k) => this.known.has(k.name));
    if (ours.length === 0) return sessionWaitOutcomes.unavailable;
    const query = [...ours.map((k) => `server=${encodeURIComponent(k.name)}&known=${k.sessions}`), `waitMs=${Math.round(waitMs)}`].join('&');
    try {
      // The dmgr answers by waitMs; the margin covers its own reads.
      const res = await fetch(`${this.adminUrl}/sessions/change?${query}`, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(waitMs + this.timeoutMs)]) : AbortSignal.timeout(waitMs + this.timeoutMs) });
      const body = (await res.json()) as { changed?: unknown };
      if (!res.ok || typeof body.changed !== 'boolean') return sessionWaitOutcomes.unavailable;
      return body.changed ? sessionWaitOutcomes.changed : sessionWaitOutcomes.waited;
    } catch {
      return sessionWaitOutcomes.unavailable;
    }
  }

  async liveSessions(servers: readonly string[]): Promise<ServerSessions[]> {
    const read = await this.read([...new Set(servers.filter((n) => this.known.has(n)))]);
    return servers.map((name): ServerSessions => {
      if (!this.known.has(name)) return { name, sessions: null, problem: `no server ${name} in the estate` };
      if (typeof read === 'string') return { name, sessions: null, problem: read };
      const entry = read.get(name);
      if (!entry) return { name, sessions: null, problem: 'the dmgr did not report it' };
      return entry.liveCount === null ? { name, sessions: null, problem: entry.problem ?? `${name} runs but its LiveCount is unknown` } : { name, sessions: entry.liveCount };
    });
  }
}

/** The lab's session counter for an estate whose `appServer.driver` is `lab`. */
export function createLabSessionCounter(estate: Estate, opts: LabSessionCounterOptions = {}): SessionCounter {
  if (estate.appServer.driver !== 'lab') throw new Error(`$.appServer.driver: the lab session counter needs "lab", not "${estate.appServer.driver}"`);
  return new LabSessionCounter(estate.appServer.adminUrl.replace(/\/+$/, ''), estate, opts.timeoutMs ?? 5000);
}
