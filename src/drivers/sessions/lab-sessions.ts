/**
 * Session counts from the lab's app servers: each answers its PMI LiveCount at `/__lab/sessions`.
 * A server that refuses the connection is stopped, and a stopped server holds no sessions.
 */
import { allServers, type Estate } from '../../model';
import type { LiveSessions } from '../../lab/dmgr-api';
import { httpJson } from '../http-json';
import type { ServerSessions, SessionCounter } from './sessions';

class LabSessionCounter implements SessionCounter {
  private readonly endpoints: Map<string, string>;

  constructor(estate: Estate) {
    this.endpoints = new Map(allServers(estate).map(({ server }) => [server.name, `http://${server.host}:${server.port}/__lab/sessions`]));
  }

  private async one(name: string): Promise<ServerSessions> {
    const url = this.endpoints.get(name);
    if (!url) throw new Error(`no server ${name} in the estate`);
    try {
      return { name, sessions: (await httpJson<LiveSessions>(url, 'GET', undefined, 5000)).liveCount };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') return { name, sessions: 0 };
      throw err;
    }
  }

  liveSessions(servers: readonly string[]): Promise<ServerSessions[]> {
    return Promise.all(servers.map((name) => this.one(name)));
  }
}

/** The lab's session counter for an estate. */
export function createLabSessionCounter(estate: Estate): SessionCounter {
  return new LabSessionCounter(estate);
}
