/**
 * Picks each driver kind's implementation from the estate. Activities call drivers only through
 * these interfaces, so a real cell and the lab run the same workflow code.
 */
import type { Estate } from '../model';
import type { AppServerDriver } from './app-server/app-server';
import type { JavaClientProbe } from './java-client/java-client';
import { createLabJavaClientProbe } from './java-client/lab-java-client';
import { createLabNaming } from './naming/lab-naming';
import type { NamingDriver } from './naming/naming';
import { createLabAppServer } from './app-server/lab-app-server';
import { createLabSessionCounter } from './sessions/lab-sessions';
import type { SessionCounter } from './sessions/sessions';
import { createHaproxySprayer } from './sprayer/haproxy-sprayer';
import type { SprayerDriver } from './sprayer/sprayer';

/** The drivers one estate needs. */
export interface Drivers {
  sprayer(): SprayerDriver;
  appServer(): AppServerDriver;
  sessions(): SessionCounter;
  naming(): NamingDriver;
  javaClientProbe(): JavaClientProbe;
}

/** Where relative paths in estates (sockets, maps, plugin-cfg files) resolve. */
export interface DriverOptions {
  baseDir?: string;
}

/** The drivers of `estate`, created on first use. */
export function driversFor(estate: Estate, opts: DriverOptions = {}): Drivers {
  return {
    sprayer: () => createHaproxySprayer(estate, { ...(opts.baseDir ? { baseDir: opts.baseDir } : {}) }),
    appServer: () => {
      if (estate.appServer.driver === 'lab') return createLabAppServer(estate.appServer.adminUrl);
      throw new Error(`the ${estate.appServer.driver} app-server driver is not available yet`);
    },
    sessions: () => createLabSessionCounter(estate),
    naming: () => {
      const naming = estate.naming;
      if (naming?.driver === 'lab' && naming.url) return createLabNaming(naming.url);
      throw new Error(`the ${naming?.driver ?? 'missing'} naming driver is not available`);
    },
    javaClientProbe: () => createLabJavaClientProbe(),
  };
}
