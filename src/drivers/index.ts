/**
 * Picks each driver kind's implementation from the estate. Activities call drivers only through
 * these interfaces, so a real cell and the lab run the same workflow code.
 */
import type { Estate, PluginCfgTarget } from '../model';
import type { AppServerDriver } from './app-server/app-server';
import type { JavaClientProbe } from './java-client/java-client';
import { createLabJavaClientProbe } from './java-client/lab-java-client';
import { createLabNaming } from './naming/lab-naming';
import type { NamingDriver } from './naming/naming';
import { createLabAppServer } from './app-server/lab-app-server';
import { createWsadminAppServer } from './app-server/wsadmin-app-server';
import { createAsadminAppServer } from './app-server/asadmin-app-server';
import { createAsadminSessionCounter } from './sessions/asadmin-sessions';
import { createWsadminNaming } from './naming/wsadmin-naming';
import { createWsadminSessionCounter } from './sessions/wsadmin-sessions';
import { createLabSessionCounter } from './sessions/lab-sessions';
import type { SessionCounter } from './sessions/sessions';
import { createHaproxySprayer } from './sprayer/haproxy-sprayer';
import type { SprayerDriver } from './sprayer/sprayer';
import { createPluginCfgStore } from './web-tier';
import type { PluginCfgStore } from './web-tier/plugin-cfg-store';
import { createConfigFileStore, type ConfigFileStore, type NamedConfigFileStore } from './config-file';

/** The drivers one estate needs. */
export interface Drivers {
  sprayer(): SprayerDriver;
  appServer(): AppServerDriver;
  sessions(): SessionCounter;
  naming(): NamingDriver;
  javaClientProbe(): JavaClientProbe;
  /** The plugin-cfg.xml of the HTTP server named `httpServer` (any cell); throws for an unknown name. */
  pluginCfg(httpServer: string): PluginCfgStore;
  /** The loadbalancer.xml of the load balancer named `balancer`; throws naming the known ones. */
  loadBalancerXml(balancer: string): ConfigFileStore;
  /**
   * Every load balancer's loadbalancer.xml, in the estate's order, for `distributeIdentical` and
   * `readIdentical`; throws when the estate has no `loadBalancers`.
   */
  loadBalancerXmls(): NamedConfigFileStore[];
}

/** Where relative paths in estates (sockets, maps, plugin-cfg and loadbalancer.xml files) resolve. */
export interface DriverOptions {
  baseDir?: string;
}

function pluginCfgTargetOf(estate: Estate, httpServer: string): PluginCfgTarget {
  const all = estate.cells.flatMap((c) => c.httpServers);
  const found = all.find((h) => h.name === httpServer);
  if (!found) throw new Error(`no HTTP server named ${httpServer} in the estate (known: ${all.map((h) => h.name).join(', ') || 'none'})`);
  return found.pluginCfg;
}

function loadBalancersOf(estate: Estate): NonNullable<Estate['loadBalancers']>['balancers'] {
  const balancers = estate.loadBalancers?.balancers;
  if (!balancers) throw new Error(`the estate ${estate.name} has no loadBalancers section`);
  return balancers;
}

function loadBalancerTargetOf(estate: Estate, balancer: string): PluginCfgTarget {
  const all = loadBalancersOf(estate);
  const found = all.find((b) => b.name === balancer);
  if (!found) throw new Error(`no load balancer named ${balancer} in the estate (known: ${all.map((b) => b.name).join(', ')})`);
  return found.file;
}

/** The drivers of `estate`, created on first use. */
export function driversFor(estate: Estate, opts: DriverOptions = {}): Drivers {
  const baseDir = opts.baseDir ? { baseDir: opts.baseDir } : {};
  return {
    sprayer: () => createHaproxySprayer(estate, { ...(opts.baseDir ? { baseDir: opts.baseDir } : {}) }),
    appServer: () => {
      const kind = estate.appServer.driver;
      return kind === 'lab' ? createLabAppServer(estate) : kind === 'asadmin' ? createAsadminAppServer(estate) : createWsadminAppServer(estate);
    },
    // WebSphere's PMI LiveCount through the deployment manager (wsadmin, or the lab dmgr's API);
    // the GlassFish family's activesessionscurrent through the DAS's monitoring REST interface.
    sessions: () => {
      const kind = estate.appServer.driver;
      return kind === 'wsadmin' ? createWsadminSessionCounter(estate) : kind === 'asadmin' ? createAsadminSessionCounter(estate) : createLabSessionCounter(estate);
    },
    naming: () => {
      const naming = estate.naming;
      if (naming?.driver === 'wsadmin') return createWsadminNaming(estate);
      if (naming?.driver === 'lab' && naming.url) return createLabNaming(naming.url);
      throw new Error(naming ? 'the lab naming driver needs naming.url' : 'the estate has no naming section');
    },
    javaClientProbe: () => createLabJavaClientProbe(),
    pluginCfg: (httpServer) => createPluginCfgStore(pluginCfgTargetOf(estate, httpServer), baseDir),
    loadBalancerXml: (balancer) => createConfigFileStore(loadBalancerTargetOf(estate, balancer), { ...baseDir, label: 'loadbalancer.xml' }),
    loadBalancerXmls: () => loadBalancersOf(estate).map((b) => ({ name: b.name, store: createConfigFileStore(b.file, { ...baseDir, label: 'loadbalancer.xml' }) })),
  };
}
