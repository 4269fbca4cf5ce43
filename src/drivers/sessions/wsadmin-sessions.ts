/**
 * Live HTTP sessions per server from a real cell: the PMI SessionManager LiveCount read through
 * the Perf MBean by a wsadmin script (`pmiScript('liveSessions', ...)`).
 *
 * Unknown is never zero: a failed wsadmin run (the dmgr down, a refused login, a timeout) gives
 * every server `null` with the reason; a server missing from the script's answer, a running one
 * whose counter is off, and one in a state other than STARTED or STOPPED are `null` too. Only a
 * server wsadmin reports STOPPED reads 0.
 *
 * Limit: the script takes a server whose Server MBean it cannot find for STOPPED, and the dmgr
 * cannot find the MBeans of servers whose node agent is down, although they may run and hold
 * sessions (see `turnout_state` in `../wsadmin/jython-helpers.ts`).
 */
import type { Estate } from '../../model';
import { createWsadminClient, readPmi, type WsadminDriverOptions } from '../wsadmin/wsadmin-client';
import type { ServerSessions, SessionCounter } from './sessions';

/** What to do about a running server whose LiveCount is off. */
const counterOffHint = 'enable the servlet session counter LiveCount (PMI custom set servletSessionsModule=7)';

/** The session counter for an estate whose `appServer.driver` is `wsadmin`. */
export function createWsadminSessionCounter(estate: Estate, opts: WsadminDriverOptions = {}): SessionCounter {
  const client = createWsadminClient(estate, opts);
  return {
    async liveSessions(servers: readonly string[]): Promise<ServerSessions[]> {
      const readings = await readPmi(client, 'liveSessions', servers, counterOffHint);
      return readings.map(({ name, value, problem }) => ({ name, sessions: value, ...(problem ? { problem } : {}) }));
    },
  };
}
