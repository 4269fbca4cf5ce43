/**
 * The lab deployment manager's JSON HTTP API (at estate.appServer.adminUrl): its shapes, shared
 * by the dmgr, the app servers it starts, and the lab app-server driver.
 *
 * | method and path | does |
 * |---|---|
 * | `GET /health` | `{ok: true, pid}` once the dmgr has started its active clusters (or adopted them) |
 * | `GET /servers` | `{servers: ServerStatus[]}` |
 * | `GET /sessions?server=A&server=B` | `LiveCountReport`: the PMI LiveCount of each named server in one call (503 while starting) |
 * | `GET /sessions/change?server=A&known=3&server=B&known=0&waitMs=T` | `{changed}`: true as soon as one named server's LiveCount is not the known count, false after T ms (at most 60 s); PMI has no such wait, so only the lab's drains use it |
 * | `GET /servers/:name` | `ServerStatus` (404 if unknown) |
 * | `POST /servers/:name/start` / `stop` | starts or stops one server; answers its `ServerStatus` |
 * | `GET /clusters` | `{clusters: ClusterStatus[]}` |
 * | `POST /clusters/:name/start` / `stop` | every member; answers the `ClusterStatus` |
 * | `POST /clusters/:name/install` `{version, artifact?, vhost?}` | installs on every member, mapped to `vhost` if given; running members reload |
 * | `POST /clusters/:name/vhost` `{vhost}` | maps the app to a virtual host; takes effect at the next start |
 * | `GET /plugin-cfg?cell=:name` | `GeneratedPluginCfg`: the plugin-cfg.xml GenPluginCfg writes for the cell (seed 002 step B.1.3) |
 * | `POST /servers/reset` `{servers, version, artifact?, reset}` | `ResetReport`: activates the version on each server, `soft` (the app restarts in its process) or `hard` (the process restarts); a stopped server is started |
 * | `GET /in-flight?server=A&server=B` | `InFlightReport`: requests each named server is serving now (503 while starting) |
 * | `POST /clusters/:name/uninstall` | removes the app from every member and stops them (a validation clone at the end of a rollout); `install` puts it back |
 * | `PUT /__lab/fault` `DmgrFault` / `DELETE /__lab/fault` / `GET /__lab/fault` | fault injection, from 127.0.0.1 only: the admin calls answer an HTTP error until cleared or spent (`DmgrFaultState`) |
 *
 * `ServerStatus.connections` is the number of client connections open on the server's ORB port
 * (each app server reports it at `GET /__lab/connections`, as it reports sessions at `/__lab/sessions`).
 * Every command is idempotent: starting a running server or installing the installed version
 * changes nothing. App servers outlive the dmgr; a dmgr that starts while they run adopts them
 * (`ServerStatus.adopted`) and manages them by pid from then on. Errors answer `{error}` with 400 (bad input), 404 (unknown name) or 500.
 */
import { z } from 'zod';

/** The artifact that installs a version answering HTTP 500, for failed smoke tests. */
export const brokenArtifact = 'lab:broken';

/**
 * The artifact prefix that makes a version fail to start on the named members only
 * (`lab:broken-on=ServerE4,ServerE5`): the reset there reports failure and the app answers 503,
 * while the other members start it fine. Seed 003: "an application or a server fails to start".
 */
export const brokenOnPrefix = 'lab:broken-on=';

/** Whether `artifact` makes its version fail to start on `server`. */
export function failsToStartOn(artifact: string | undefined, server: string): boolean {
  if (!artifact?.startsWith(brokenOnPrefix)) return false;
  return artifact
    .slice(brokenOnPrefix.length)
    .split(',')
    .map((s) => s.trim())
    .includes(server);
}

/** How a version is activated on a server (seed 003's reset strategies). */
export const resetKindSchema = z.enum(['soft', 'hard']);
export type ResetKind = z.infer<typeof resetKindSchema>;

/** What the dmgr has installed and configured for one server; also the app server's state file. */
export const serverConfigSchema = z
  .object({
    version: z.string().min(1),
    /** The artifact installed with the version, if any (`lab:broken` answers 500, `lab:broken-on=` fails to start). */
    artifact: z.string().min(1).optional(),
    /** The virtual host the app is mapped to in the configuration (read by the server at start). */
    vhost: z.string().min(1),
    /** The reset that activated this version, when a reset did: a repeated reset of the same kind changes nothing. */
    reset: resetKindSchema.optional(),
    /** True once the app was uninstalled from the server: it serves no application until the next install. */
    uninstalled: z.literal(true).optional(),
  })
  .strict();
export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** The dmgr's persisted state: every server's configuration and whether it should run. */
export const dmgrStateSchema = z
  .object({
    servers: z.record(z.string(), serverConfigSchema.extend({ running: z.boolean() })),
  })
  .strict();
export type DmgrState = z.infer<typeof dmgrStateSchema>;

/** Body of `POST /clusters/:name/install`. */
export const installRequestSchema = z
  .object({
    version: z.string().min(1),
    artifact: z.string().min(1).optional(),
    /**
     * The virtual host the new deployment is mapped to. A deployment starts with its mapping, so a
     * running member serves it at once; remapping an installed application (`/vhost`) needs a restart.
     */
    vhost: z.string().min(1).optional(),
  })
  .strict();
export type InstallRequest = z.infer<typeof installRequestSchema>;

/** Body of `POST /servers/reset`. */
export const resetRequestSchema = z
  .object({
    servers: z.array(z.string().min(1)).min(1),
    version: z.string().min(1),
    artifact: z.string().min(1).optional(),
    reset: resetKindSchema,
  })
  .strict();
export type ResetRequest = z.infer<typeof resetRequestSchema>;

/**
 * One server in a `ResetReport`. `action` says what the dmgr did: `none` (already on the version
 * by this kind of reset), `soft` (the app restarted in its process), `hard` (the process
 * restarted) or `started` (it was stopped). `ok` is false, with a `problem`, when the app or the
 * server did not start; `pid` is the process after the reset (null when none runs).
 */
export interface ResetResult {
  name: string;
  ok: boolean;
  action: 'none' | 'soft' | 'hard' | 'started';
  problem?: string;
  pid: number | null;
  version: string;
}

/** `POST /servers/reset`: one result per server asked, in the order asked. */
export interface ResetReport {
  servers: ResetResult[];
}

/**
 * One server in `GET /in-flight`: the requests it is serving now. A stopped server serves none; a
 * running one the dmgr could not read is `inFlight: null` with a `problem`, never 0.
 */
export interface InFlightCount {
  name: string;
  state: 'running' | 'stopped';
  inFlight: number | null;
  problem?: string;
}

/** `GET /in-flight?server=A&server=B`: one entry per server asked, in the order asked. */
export interface InFlightReport {
  servers: InFlightCount[];
}

/** Body of `POST /clusters/:name/vhost`. */
export const vhostRequestSchema = z.object({ vhost: z.string().min(1) }).strict();
export type VhostRequest = z.infer<typeof vhostRequestSchema>;

/** One server as the dmgr reports it. */
export interface ServerStatus {
  name: string;
  cell: string;
  cluster: string;
  host: string;
  port: number;
  cloneId: string;
  state: 'running' | 'stopped';
  pid: number | null;
  /** Whether this dmgr found the server already running when it started (or when asked to start it) and adopted it. */
  adopted: boolean;
  /** The version installed in the configuration ('' once uninstalled). */
  version: string;
  artifact?: string;
  /** The application inside the running process (null when stopped or unreachable), and why it failed to start. */
  app: AppState | null;
  appProblem?: string;
  /** The virtual host in the configuration. */
  vhost: string;
  /** The virtual host the running process serves (it changes only at restart). */
  runningVhost: string | null;
  /** The PMI LiveCount of the running server, or null when stopped or unreachable. */
  sessions: number | null;
  /** Client connections open on the ORB port of the running server, or null when stopped or unreachable. */
  connections: number | null;
}

/**
 * One server in `GET /sessions`: the PMI LiveCount as the dmgr read it. A running server the dmgr
 * could not read is `liveCount: null` with a `problem`, never 0; a stopped one holds none.
 */
export const liveCountSchema = z
  .object({
    name: z.string(),
    state: z.enum(['running', 'stopped']),
    liveCount: z.number().int().nonnegative().nullable(),
    problem: z.string().optional(),
  })
  .strict();
export type LiveCount = z.infer<typeof liveCountSchema>;

/** `GET /sessions?server=A&server=B`: one entry per server asked, in the order asked. */
export const liveCountReportSchema = z.object({ servers: z.array(liveCountSchema) }).strict();
export type LiveCountReport = z.infer<typeof liveCountReportSchema>;

/** `GET /plugin-cfg?cell=X`: the generated file, with every cluster of the cell (active on prod_vhost, dormant on test_vhost). */
export interface GeneratedPluginCfg {
  cell: string;
  /** The plugin-cfg.xml text. */
  xml: string;
}

/** One cluster as the dmgr reports it. */
export interface ClusterStatus {
  name: string;
  cell: string;
  servers: ServerStatus[];
}

/** `GET /__lab/sessions` of an app server: the PMI LiveCount. */
export interface LiveSessions {
  server: string;
  liveCount: number;
}

/** `GET /__lab/connections` of an app server: connections open on its ORB port (0 without one). */
export interface OrbConnections {
  server: string;
  orbPort: number | null;
  connections: number;
}

/** What the lab ORB answers for `GET /ejb/<JNDI name>` of an EJB home bound in the server's cluster. */
export interface EjbAnswer {
  version: string;
  server: string;
  cluster: string;
}

/** `GET /__lab/in-flight` of an app server: application requests being served right now. */
export interface LabInFlight {
  server: string;
  inFlight: number;
}

/**
 * The application inside a running app server: `started` serves it, `starting` during a soft
 * reset (503 for a moment), `failed` when the version failed to start there (503 until the next
 * reset or install), `absent` once uninstalled (404).
 */
export type AppState = 'started' | 'starting' | 'failed' | 'absent';

/** `GET /__lab/health` of an app server (the process answers it whatever its application does). */
export interface AppServerHealth {
  ok: true;
  server: string;
  pid: number;
  version: string;
  vhost: string;
  app: AppState;
  /** Why the application is not started, when it failed. */
  appProblem?: string;
}

/** `POST /__lab/restart-app` of an app server (a soft reset): the application state after the restart. */
export interface AppRestart {
  server: string;
  pid: number;
  version: string;
  app: AppState;
  appProblem?: string;
}

/** The body every lab app response carries (DESIGN, "The lab"). */
export interface LabAppResponse {
  app: string;
  version: string;
  server: string;
  cloneId: string;
  cell: string;
  cluster: string;
  sessionId: string;
  newSession: boolean;
  hits: number;
}

/**
 * A fault of the lab dmgr (`PUT /__lab/fault`): admin calls answer `status` with `{error: message}`
 * instead of doing anything, as a deployment manager that throws does. `count` calls (every one
 * until cleared when absent), of one `method` when given. `GET /health` and `/__lab/*` never fail.
 */
export const dmgrFaultSchema = z
  .object({
    status: z.number().int().min(400).max(599),
    message: z.string().min(1).max(2000),
    count: z.number().int().positive().optional(),
    method: z.enum(['GET', 'POST']).optional(),
  })
  .strict();
export type DmgrFault = z.infer<typeof dmgrFaultSchema>;

/** `GET /__lab/fault`: the fault in place (null: none), the calls it will still fail (null: every one) and how many it failed. */
export interface DmgrFaultState {
  fault: DmgrFault | null;
  remaining: number | null;
  failed: number;
}
