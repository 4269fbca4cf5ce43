/**
 * The application-server administration driver: install a version on clusters, map it to a
 * virtual host, start and stop servers. One interface; one file per implementation (the lab's
 * deployment manager now, wsadmin for real cells).
 */
import type { AppServerReading } from '../../model/app-server-reading';

/** Install an application version on every member of some clusters (seed 002: never on single members). */
export interface InstallCommand {
  app: string;
  clusters: string[];
  version: string;
  artifact: string;
  /** The virtual host the newly installed application is mapped to. */
  virtualHost: string;
}

/** Map the application to a virtual host; servers pick the change up only when restarted. */
export interface VirtualHostCommand {
  app: string;
  clusters: string[];
  virtualHost: string;
  restart: boolean;
}

/** One server as the admin side reports it. */
export interface AppServerState extends AppServerReading {
  /**
   * The server's process id when the implementation can read it (the lab can; wsadmin does not
   * report it): null when stopped. A soft reset keeps it, a hard reset changes it.
   */
  pid?: number | null;
}

/**
 * Activate a version on some servers (seed 003's reset strategies). `soft` restarts the
 * application inside the running server process; `hard` restarts the whole process (refreshing
 * native libraries and memory). A stopped server is started with the version, whatever the reset.
 */
export interface ResetCommand {
  app: string;
  servers: string[];
  version: string;
  artifact: string;
  reset: 'soft' | 'hard';
}

/** What a reset did to one server. */
export interface ResetOutcome {
  name: string;
  /** True when the server runs the version afterwards, its application started. */
  ok: boolean;
  /** Why it is not ok: the application or the server failed to start, or could not be asked. */
  problem?: string;
  /** The server's process id after the reset, when the implementation can read it. */
  pid?: number | null;
}

/** Requests in flight in one server. */
export interface ServerInFlight {
  name: string;
  /** Requests being served now; null when they cannot be read (unknown is not zero). */
  inFlight: number | null;
  problem?: string;
}

/** Client connections open to one server's ORB (EJB) port: what a Java-client transition watches. */
export interface ServerConnections {
  name: string;
  connections: number;
}

/**
 * Whether one server is up and answering, and with which version: what the check "every server
 * that should run N+1 is up and answering with N+1" reads.
 */
export interface ServerProbe {
  name: string;
  /** True only when the server was seen answering; false when it does not, or could not be asked. */
  answering: boolean;
  /** The version the server answers with; null when it does not answer. */
  version: string | null;
  /** Why it is not answering, or could not be asked. */
  problem?: string;
}

/** Application-server administration. Every command is idempotent. */
export interface AppServerDriver {
  install(cmd: InstallCommand): Promise<void>;
  setVirtualHost(cmd: VirtualHostCommand): Promise<void>;
  startCluster(cluster: string): Promise<void>;
  stopCluster(cluster: string): Promise<void>;
  /** Starts some servers (a dormant cluster's test subset, say); running ones are left alone. */
  startServers(servers: readonly string[]): Promise<void>;
  /** Stops some servers; stopped ones are left alone. */
  stopServers(servers: readonly string[]): Promise<void>;
  /** Stops and starts running servers, so they pick up configuration (the cell-persistent namespace, say). */
  restartServers(servers: readonly string[]): Promise<void>;
  servers(): Promise<AppServerState[]>;
  /**
   * Whether each server is up and answering, with its version: one answer per server asked, in
   * that order. Never throws for a server or an admin side that cannot be reached: those are not
   * answering, with a `problem`. How directly a server is asked depends on the implementation.
   */
  probe(servers: readonly string[]): Promise<ServerProbe[]>;
  /**
   * Activates `version` on each server: soft restarts the application inside the running process,
   * hard restarts the process; a stopped server is started with it. One outcome per server, in
   * order; a server that fails to start is `ok: false` with a problem, never a throw. Idempotent: a
   * server already running the version after the same kind of reset is left alone.
   */
  resetServers(cmd: ResetCommand): Promise<ResetOutcome[]>;
  /** Requests in flight in each server right now; null when it cannot be read (unknown is not zero). */
  inFlight(servers: readonly string[]): Promise<ServerInFlight[]>;
  /** Open client connections to each server's ORB port (seed 002: "netstat ... ORB port connections"). */
  connections(servers: readonly string[]): Promise<ServerConnections[]>;
  /**
   * The plugin-cfg.xml the cell's administration generates for `cell` (GenPluginCfg, seed 002 step
   * B.1.3), as text. Generation only: turnout transforms and distributes it itself.
   */
  generatePluginCfg(cell: string): Promise<string>;
  /**
   * Whether the cell's administration regenerates and propagates plugin-cfg.xml on its own: each web
   * server's plug-in properties as the cell holds them. Only drivers that can read them have it
   * (wsadmin); turnout refuses to write plugin-cfg.xml into a cell where either is on.
   */
  pluginCfgAutomation?(cell: string): Promise<PluginCfgAutomation>;
}

/** One web server definition's plug-in properties (WebSphere: `PluginGeneration`, `PluginPropagation`: `AUTOMATIC` or `MANUAL`). */
export interface WebServerPluginProperties {
  node: string;
  name: string;
  /** null when the web server has no plug-in properties the script could read. */
  generation: string | null;
  propagation: string | null;
}

/** Every web server definition of a cell with its plug-in properties. */
export interface PluginCfgAutomation {
  cell: string;
  webServers: WebServerPluginProperties[];
}

/**
 * Deploy one version of an application to a cluster of the GlassFish family (a deployment group or
 * a cluster). `versioned` deploys under the name `app:version` beside the versions already there
 * (seed 001's application versioning); otherwise the application is redeployed in place under the
 * name `app` (seed 000), reaching instances whose dynamic reconfiguration is off only when they restart.
 */
export interface DeployVersionCommand {
  app: string;
  version: string;
  artifact: string;
  cluster: string;
  contextRoot: string;
  enabled: boolean;
  versioned: boolean;
}

/** The versions of one application on one instance, as the admin side and the instance itself say. */
export interface InstanceVersions {
  name: string;
  /** The versions whose application-ref on this instance is enabled (domain.xml, not the stale status commands). */
  enabled: string[];
  /** The version the instance answers with through its own HTTP port; null when it does not answer. */
  serving: string | null;
  problem?: string;
}

/**
 * What a session store operation found and did on one instance (seed 000 steps 5, 8 and 10): how
 * many sessions, where they are kept, and what was copied.
 */
export interface SessionStoreReport {
  name: string;
  sessions: number;
  /** Where the store is (a folder, or the replicated store's name). */
  location: string;
  detail?: string;
}

/** One instance's session store operation. */
export interface SessionStoreCommand {
  app: string;
  instance: string;
}

/**
 * The GlassFish family's own operations (seeds 000 and 001), beside the common interface: versioned
 * deployment, per-instance enable and disable, dynamic reconfiguration, and the session store.
 * Every command is idempotent.
 */
export interface GlassfishAppServerDriver extends AppServerDriver {
  readonly family: 'glassfish';
  deployVersion(cmd: DeployVersionCommand): Promise<void>;
  /** Removes one version (`app:version`, or `app` when unversioned) from a cluster; absent is fine. */
  undeployVersion(cmd: { app: string; version: string; cluster: string; versioned: boolean }): Promise<void>;
  /**
   * Makes `version` the only enabled version of `app` on one instance: every other version is
   * disabled there first, then `version` enabled (the order that proved reliable on Payara 6).
   */
  switchVersion(cmd: { app: string; version: string; instance: string }): Promise<void>;
  /** Per instance: which versions are enabled, and which one it serves. */
  instanceVersions(app: string, instances: readonly string[]): Promise<InstanceVersions[]>;
  /** Whether the cluster's configuration applies changes to running instances (`dynamic-reconfiguration-enabled`). */
  dynamicReconfiguration(cluster: string): Promise<boolean>;
  setDynamicReconfiguration(cluster: string, enabled: boolean): Promise<void>;
  /** Seed 000 step 5: saves the instance's sessions where they survive its restart. */
  backupSessions(cmd: SessionStoreCommand): Promise<SessionStoreReport>;
  /** Seed 000 step 8: puts the saved sessions back into the restarted instance's store. */
  restoreSessions(cmd: SessionStoreCommand): Promise<SessionStoreReport>;
  /** Seed 000 step 10: takes the latest copy of each session, which another instance may have updated meanwhile. */
  reconcileSessions(cmd: SessionStoreCommand): Promise<SessionStoreReport>;
}

/** Whether a driver is of the GlassFish family. */
export function isGlassfishDriver(driver: AppServerDriver): driver is GlassfishAppServerDriver {
  return (driver as Partial<GlassfishAppServerDriver>).family === 'glassfish';
}
