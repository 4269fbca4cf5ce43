/**
 * The simulated session counter, for benchmarks: the live sessions of a `SimEstate`'s servers, read
 * through its app-server admin side as the lab reads them through its dmgr. Unknown is not zero: an
 * unreachable admin side, or a server the estate does not have, reads as null with a problem.
 */
import { simAdminSides, type SimEstate } from '../sim/sim-estate';
import type { ServerSessions, SessionCounter } from './sessions';

class SimSessionCounter implements SessionCounter {
  constructor(private readonly sim: SimEstate) {}

  async liveSessions(servers: readonly string[]): Promise<ServerSessions[]> {
    await this.sim.latency();
    if (!this.sim.reachable(simAdminSides.appServer)) {
      const problem = `the simulated ${simAdminSides.appServer} of ${this.sim.estate.name} is unreachable`;
      return servers.map((name) => ({ name, sessions: null, problem }));
    }
    return servers.map((name): ServerSessions => {
      const server = this.sim.servers.get(name);
      if (!server) return { name, sessions: null, problem: `no server ${name} in the simulated estate ${this.sim.estate.name}` };
      return { name, sessions: this.sim.liveSessions(server) };
    });
  }
}

/** The session counter of a simulated estate. */
export function createSimSessionCounter(sim: SimEstate): SessionCounter {
  return new SimSessionCounter(sim);
}
