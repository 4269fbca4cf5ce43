/**
 * Live HTTP sessions per server from a real cell: the PMI SessionManager LiveCount read through
 * the Perf MBean by a wsadmin script (`pmiScript('liveSessions', ...)`). A stopped server holds no
 * sessions and reads 0; a running one whose counter is off is an error, never a silent 0, since a
 * drain would end on it.
 */
import type { Estate } from '../../model';
import { pmiScript } from '../wsadmin/jython';
import { createWsadminClient, pmiFigures, pmiResultSchema, type WsadminDriverOptions } from '../wsadmin/wsadmin-client';
import type { ServerSessions, SessionCounter } from './sessions';

/** The session counter for an estate whose `appServer.driver` is `wsadmin`. */
export function createWsadminSessionCounter(estate: Estate, opts: WsadminDriverOptions = {}): SessionCounter {
  const client = createWsadminClient(estate, opts);
  return {
    async liveSessions(servers: readonly string[]): Promise<ServerSessions[]> {
      if (servers.length === 0) return [];
      const result = await client.run(pmiScript('liveSessions', servers), pmiResultSchema);
      return pmiFigures(result, 'enable the servlet session counter LiveCount (PMI custom set servletSessionsModule=7)').map((f) => ({ name: f.name, sessions: f.value }));
    },
  };
}
