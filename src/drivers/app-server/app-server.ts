/**
 * The application-server administration driver: install a version on clusters, map it to a
 * virtual host, start and stop servers. One interface; one file per implementation (the lab's
 * deployment manager now, wsadmin for real cells).
 */

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
export interface AppServerState {
  name: string;
  cluster: string;
  running: boolean;
  version: string;
  /** The virtual host in the configuration. */
  virtualHost: string;
  /** The virtual host the running process serves, when it runs. */
  runningVirtualHost: string | null;
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
}
