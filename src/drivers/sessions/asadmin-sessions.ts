/**
 * Live sessions per GlassFish / Payara instance, from the DAS's monitoring REST interface:
 * `GET /monitoring/domain/<inst>/applications/<app:version>/server`, statistic
 * `activesessionscurrent`, summed over the application's versions deployed there (a switch leaves
 * the old version's sessions alive until they end).
 *
 * The web-container monitoring level must be HIGH on the instance's config before traffic
 * (`set configs.config.<cfg>.monitoring-service.module-monitoring-levels.web-container=HIGH`);
 * otherwise Payara has no such statistic and the count is null with that reason.
 *
 * The application is not part of `liveSessions(servers)`: it comes from the counter's options or
 * the estate's `lab.app`, so the common SessionCounter interface stays as it is.
 *
 * Unknown is never zero: an unreachable DAS, an instance it cannot read, or a missing statistic
 * give null with a problem. Only an instance the DAS lists as not running reads 0.
 */
import type { Estate } from '../../model';
import { createAsadminRest, isRunningStatus, monitoringFigure, parseInstanceList, restPath, type AsadminRest } from '../asadmin/asadmin-rest';
import { versionOfRef } from '../app-server/asadmin-domain';
import type { ServerSessions, SessionCounter } from './sessions';

/** Options of the asadmin session counter. */
export interface AsadminSessionCounterOptions {
  /** The application whose sessions count; the estate's `lab.app` (or `userHitCount`) by default. */
  app?: string;
}

/** The sessions of `app` on one running instance, summed over its deployed versions; a string says why unknown. */
export async function instanceSessions(rest: AsadminRest, app: string, instance: string): Promise<number | string> {
  const dotted = await rest.getDotted(`servers.server.${instance}.application-ref.*.enabled`);
  const refs = [...dotted].flatMap(([name, enabled]) => {
    const ref = /^servers\.server\.[^.]+\.application-ref\.(.+)\.enabled$/.exec(name)?.[1];
    return ref && versionOfRef(app, ref) !== undefined ? [{ ref, enabled: enabled === 'true' }] : [];
  });
  if (refs.length === 0) return 0;
  let total = 0;
  for (const { ref, enabled } of refs) {
    let figure: number | null;
    try {
      figure = monitoringFigure(await rest.get(`/monitoring/domain/${restPath(instance, 'applications', ref, 'server')}`), 'activesessionscurrent');
    } catch (err) {
      // A disabled version is not loaded on the instance: it has no monitoring node and no sessions.
      if (!enabled) continue;
      return `the monitoring of ${ref} on ${instance} cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (figure === null) {
      if (!enabled) continue;
      return `${ref} on ${instance} has no activesessionscurrent (is module-monitoring-levels.web-container HIGH?)`;
    }
    total += figure;
  }
  return total;
}

class AsadminSessionCounter implements SessionCounter {
  private readonly known: Set<string>;

  constructor(
    private readonly rest: AsadminRest,
    private readonly app: string,
    estate: Estate,
  ) {
    this.known = new Set(estate.cells.flatMap((c) => c.clusters.flatMap((k) => k.servers.map((s) => s.name))));
  }

  async liveSessions(servers: readonly string[]): Promise<ServerSessions[]> {
    let statuses: Map<string, string>;
    try {
      statuses = new Map(parseInstanceList(await this.rest.get('/management/domain/list-instances')).map((i) => [i.name, i.status]));
    } catch (err) {
      const problem = `the DAS at ${this.rest.adminUrl} is unreachable: ${err instanceof Error ? err.message : String(err)}`;
      return servers.map((name) => ({ name, sessions: null, problem }));
    }
    return Promise.all(
      servers.map(async (name): Promise<ServerSessions> => {
        if (!this.known.has(name)) return { name, sessions: null, problem: `no server ${name} in the estate` };
        const status = statuses.get(name);
        if (status === undefined) return { name, sessions: null, problem: `the DAS does not list an instance ${name}` };
        if (!isRunningStatus(status)) return { name, sessions: 0 };
        try {
          const n = await instanceSessions(this.rest, this.app, name);
          return typeof n === 'number' ? { name, sessions: n } : { name, sessions: null, problem: n };
        } catch (err) {
          return { name, sessions: null, problem: `the sessions of ${name} cannot be read: ${err instanceof Error ? err.message : String(err)}` };
        }
      }),
    );
  }
}

/** The session counter for an estate whose `appServer.driver` is `asadmin`. */
export function createAsadminSessionCounter(estate: Estate, opts: AsadminSessionCounterOptions = {}): SessionCounter {
  const settings = estate.appServer;
  if (settings.driver !== 'asadmin') throw new Error(`$.appServer.driver: the asadmin session counter needs "asadmin", not "${settings.driver}"`);
  return new AsadminSessionCounter(createAsadminRest(settings), opts.app ?? estate.lab?.app ?? 'userHitCount', estate);
}
