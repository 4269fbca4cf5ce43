/**
 * The estate: everything one rollout touches (DESIGN, "Vocabulary").
 *
 * Only zod is imported here, so these schemas are safe inside workflow code.
 */
import { z } from 'zod';
import { toJsonPath } from './issues';
import { notifyListSchema } from './notify';

const name = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only');
const host = z.string().min(1).max(253);
const port = z.number().int().min(1).max(65535);

/** A host and port pair, as used by transports and listeners. */
export const endpointSchema = z.object({ host, port }).strict();
export type Endpoint = z.infer<typeof endpointSchema>;

/**
 * A cluster member. The clone ID is the part of the JSESSIONID cookie after `:`; it routes a session
 * back to its server, at the plug-in and (in multi-cell sites) at the IP sprayer.
 */
export const serverSchema = z
  .object({
    name,
    host,
    port,
    cloneId: z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'a clone ID is 1-32 letters and digits'),
    /** plugin-cfg.xml LoadBalanceWeight; 0 takes no new sessions. */
    weight: z.number().int().min(0).max(1000).default(2),
    /** The node (machine) the server runs on; servers of an active and a dormant cluster share nodes. */
    node: z.string().min(1).optional(),
    /** Requests per second this server carries at its rated load; used by the capacity check. */
    capacityRps: z.number().positive().optional(),
    /** Heap the JVM needs, in MiB; used when active and dormant clusters share hardware. */
    heapMb: z.number().int().positive().optional(),
    /** ORB (EJB) bootstrap port, used by Java clients (seed 002, Listing 4). */
    orbPort: port.optional(),
  })
  .strict();
export type Server = z.infer<typeof serverSchema>;

/** Whether a cluster takes traffic now, or is stopped and waiting for the next version. */
export const clusterStates = { active: 'active', dormant: 'dormant' } as const;

export const clusterSchema = z
  .object({
    name,
    state: z.enum([clusterStates.active, clusterStates.dormant]),
    servers: z.array(serverSchema).min(1),
    /**
     * The cluster's resource bindings, relative to `clusters/<cluster>/` in the namespace (such as
     * `jdbc/CustomerData`), with their values. An edition in validation binds them under
     * `clusters/<cluster>-validation/` for its clone (seed 003, "What to do next").
     */
    resources: z.record(z.string().min(1).max(256).regex(/^[A-Za-z0-9_./-]+$/, 'a relative JNDI name: letters, digits, _ . / - only'), z.string().min(1)).optional(),
  })
  .strict();
export type Cluster = z.infer<typeof clusterSchema>;

/** How a plugin-cfg.xml reaches an HTTP server: a local path, or SSH/SCP with a configured key. */
export const pluginCfgTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), path: z.string().min(1) }).strict(),
  z
    .object({
      kind: z.literal('ssh'),
      path: z.string().min(1),
      host,
      user: z.string().min(1),
      port: port.default(22),
      /** Path of the private key file; the key itself never appears in an estate. */
      keyFile: z.string().min(1),
    })
    .strict(),
]);
export type PluginCfgTarget = z.infer<typeof pluginCfgTargetSchema>;

/** A web server whose plug-in routes by plugin-cfg.xml. */
export const httpServerSchema = z
  .object({
    name,
    host,
    /** The listener for production traffic (prod_vhost). */
    port,
    /** The listener behind the test VIP (test_vhost). */
    testPort: port.optional(),
    pluginCfg: pluginCfgTargetSchema,
    /** Seconds between plug-in re-reads of plugin-cfg.xml (the file's RefreshInterval; IBM's default is 60). */
    refreshIntervalSeconds: z.number().int().min(1).max(86400).default(60),
  })
  .strict();
export type HttpServer = z.infer<typeof httpServerSchema>;

export const cellSchema = z
  .object({
    name,
    clusters: z.array(clusterSchema).min(1),
    /** The cell's own bank of HTTP servers (large multi-cell sites have one per cell). */
    httpServers: z.array(httpServerSchema).default([]),
    /**
     * Whether WebSphere generates and propagates this cell's plugin-cfg.xml on its own (each web
     * server's Plug-in properties: "Automatically generate the plug-in configuration file" and
     * "Automatically propagate plug-in configuration file"). A procedure that writes plugin-cfg.xml
     * refuses a cell declared `on`; for a wsadmin cell it also reads the web servers' properties
     * before it starts and refuses one where either is on or cannot be read, declared or not.
     */
    pluginCfgAutomation: z.enum(['off', 'on']).optional(),
  })
  .strict();
export type Cell = z.infer<typeof cellSchema>;

/**
 * One Sun ONE / GlassFish load balancer (seed 004): it routes by its own copy of loadbalancer.xml,
 * which every load balancer of the estate must hold byte for byte.
 */
export const loadBalancerSchema = z
  .object({
    name,
    /** Where users reach it. */
    listen: endpointSchema,
    /** Its loadbalancer.xml: a local path, or a path on its host reached by SSH/SCP. */
    file: pluginCfgTargetSchema,
    /** Its log, where it writes `Instance: <name> quiesced successfully over the cluster: <cluster>` (local path). */
    log: z.string().min(1).optional(),
  })
  .strict();
export type LoadBalancer = z.infer<typeof loadBalancerSchema>;

/** The estate's load balancers and how they read loadbalancer.xml. */
export const loadBalancersSchema = z
  .object({
    balancers: z.array(loadBalancerSchema).min(1),
    /** Seconds between a load balancer's polls of the file's timestamp (`reload-poll-interval-in-seconds`). */
    pollIntervalSeconds: z.number().int().min(1).max(3600).default(60),
    /**
     * How many seconds one minute of `disable-timeout-in-minutes` lasts: 60 for real load
     * balancers; the lab sets a few seconds so that a quiescing period takes seconds, not minutes.
     */
    minuteSeconds: z.number().positive().max(60).default(60),
  })
  .strict();
export type LoadBalancers = z.infer<typeof loadBalancersSchema>;

/** The IP sprayer in front of the cells. The first real driver is HAProxy through its Runtime API. */
export const sprayerSchema = z.discriminatedUnion('driver', [
  z
    .object({
      driver: z.literal('haproxy'),
      /** Where users connect. */
      listen: endpointSchema,
      /** The Runtime API: a UNIX socket path, or a TCP endpoint on loopback. */
      adminSocket: z.union([z.string().min(1), endpointSchema]),
      /** The backend whose servers are the cells' HTTP server banks. */
      backend: name.default('cells'),
      /**
       * Runtime map: clone ID -> the sprayer server (a cell's HTTP server) that holds the session.
       * Existing sessions follow it; new sessions go to the servers in state `ready`, so a cell in
       * `drain` keeps its sessions and takes no new ones.
       */
      affinityMap: z.string().min(1),
      /**
       * What the backend's servers are: each cell's HTTP servers (`cells`, the IP sprayer of seed
       * 002), or each member of the active clusters, named after the member (`members`, the
       * on-demand router of seed 003's edition rollout).
       */
      routes: z.enum(['cells', 'members']).default('cells'),
      /** `members` only: a listener that reaches only the dormant clusters' members (an edition's validation clone). */
      testListen: endpointSchema.optional(),
      /**
       * What separates the session ID from the clone ID in JSESSIONID: `:` for WebSphere
       * (`0000<id>:<cloneId>`), `.` for the GlassFish family, whose jvmRoute ends the ID (`<id>.<instance>`).
       */
      cloneIdSeparator: z.enum([':', '.']).default(':'),
    })
    .strict(),
]);
export type Sprayer = z.infer<typeof sprayerSchema>;

export const virtualHostSchema = z
  .object({
    name,
    aliases: z.array(endpointSchema.extend({ host: z.union([host, z.literal('*')]) })).min(1),
  })
  .strict();
export type VirtualHost = z.infer<typeof virtualHostSchema>;

/** Cell-persistent configured JNDI bindings (seed 002, Listing 4), each with its value per cluster. */
export const bindingSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('string'),
      name: z.string().min(1),
      jndiName: z.string().min(1),
      valueByCluster: z.record(z.string(), z.string().min(1)),
    })
    .strict(),
  z
    .object({
      kind: z.literal('indirect'),
      name: z.string().min(1),
      jndiName: z.string().min(1),
      providerUrlByCluster: z.record(z.string(), z.string().min(1)),
      bindingByCluster: z.record(z.string(), z.string().min(1)),
    })
    .strict(),
]);
export type Binding = z.infer<typeof bindingSchema>;

export const namingSchema = z
  .object({
    driver: z.enum(['lab', 'wsadmin']),
    /** The lab naming service's URL (driver `lab`). */
    url: z.string().url().optional(),
    bindings: z.array(bindingSchema).default([]),
  })
  .strict();
export type Naming = z.infer<typeof namingSchema>;

/** How turnout reaches the app servers' administration: the lab's admin endpoint, or wsadmin. */
export const appServerDriverSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('lab'), adminUrl: z.string().url() }).strict(),
  z
    .object({
      driver: z.literal('wsadmin'),
      /** The wsadmin.sh command line, without the -f script argument. */
      command: z.array(z.string().min(1)).min(1),
      /** Environment variable holding the admin password; the password never appears in the estate. */
      passwordEnv: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      /** The GlassFish family (GlassFish 3.1+, Payara 5/6): asadmin for changes, the DAS's REST interface for reads. */
      driver: z.literal('asadmin'),
      /** The domain admin server's admin endpoint, such as http://127.0.0.1:4848. */
      adminUrl: z.string().url(),
      /** The asadmin command line; the lab's Payara install's (`~/.cache/turnout/payara/<release>/payara6/bin/asadmin`) when absent. */
      command: z.array(z.string().min(1)).min(1).optional(),
      user: z.string().min(1).default('admin'),
      /** Environment variable holding the admin password; the password never appears in the estate. */
      passwordEnv: z.string().min(1).optional(),
      /** A file holding the admin password instead (its first line). */
      passwordFile: z.string().min(1).optional(),
      /**
       * How long a start or a switch waits for an instance's applications to answer before handing
       * over to the rollout's own check (which decides); 45 by default. A lab on a small machine sets
       * less, so a build that never starts is not waited for twice.
       */
      answerTimeoutSeconds: z.number().int().min(1).max(600).optional(),
    })
    .strict(),
]);
export type AppServerDriver = z.infer<typeof appServerDriverSchema>;

/**
 * How the lab runs an `asadmin` estate on Payara Server. Everything else follows from the estate:
 * the cell is the domain, each cluster a deployment group, each server an instance whose port base
 * is its HTTP port minus 80 (Payara's offset), the DAS's port base its admin port minus 48. Every
 * Payara process takes the 100 ports from its port base up.
 */
export const payaraLabSchema = z
  .object({
    /** The DAS's heap (-Xmx), in MiB. */
    dasHeapMb: z.number().int().min(128).max(8192).default(384),
    /** Each instance's heap (-Xmx), in MiB. */
    instanceHeapMb: z.number().int().min(128).max(8192).default(256),
  })
  .strict();
export type PayaraLab = z.infer<typeof payaraLabSchema>;

/** Settings the lab needs to run this estate as local processes. Ignored by real estates. */
export const labSettingsSchema = z
  .object({
    /** Folder for the lab's state, sockets, logs and pids, relative to the working directory. */
    dir: z.string().min(1).default('.turnout/lab'),
    /** Idle timeout for lab HTTP sessions, in seconds. */
    sessionIdleSeconds: z.number().positive().default(30),
    /** The version every installed app starts on. */
    initialVersion: z.string().min(1).default('1.0'),
    /** The application the lab serves. */
    app: z.string().min(1).default('userHitCount'),
    /** The URI prefix the application answers under. */
    contextRoot: z.string().startsWith('/').default('/user'),
    /** An `asadmin` estate's Payara domain (defaults when absent). */
    payara: payaraLabSchema.optional(),
  })
  .strict();
export type LabSettings = z.infer<typeof labSettingsSchema>;

/**
 * A machine that hosts servers of an active and a dormant cluster (seed 002: "enough memory for all
 * the JVMs to be running concurrently without paging").
 */
export const nodeSchema = z
  .object({
    name: z.string().min(1),
    /** Memory the node can give to JVMs without paging, in MiB. */
    memoryMb: z.number().int().positive(),
    /** Heap of the node agent; the dormant-cell variation runs two per machine. */
    nodeAgentHeapMb: z.number().int().min(0).default(0),
  })
  .strict();
export type Node = z.infer<typeof nodeSchema>;

export const estateSchema = z
  .object({
    name,
    description: z.string().optional(),
    cells: z.array(cellSchema).min(1),
    /** The machines servers run on (`servers[].node`), for the shared-hardware capacity check. */
    nodes: z.array(nodeSchema).optional(),
    sprayer: sprayerSchema.optional(),
    /** Sun ONE / GlassFish load balancers that route by loadbalancer.xml (seed 004). */
    loadBalancers: loadBalancersSchema.optional(),
    virtualHosts: z.object({ production: virtualHostSchema, test: virtualHostSchema }).strict(),
    naming: namingSchema.optional(),
    appServer: appServerDriverSchema,
    /** The site's expected peak load, in requests per second, for the capacity check. */
    peakLoadRps: z.number().positive().optional(),
    /** Named groups of people a request's `approvals.approvers` can name as `group:<name>`. */
    approverGroups: z.record(name, z.array(z.string().min(1).max(128)).min(1)).optional(),
    lab: labSettingsSchema.optional(),
    /** Notification targets told of every rollout on this estate, after the request's own. */
    notify: notifyListSchema.optional(),
  })
  .strict()
  .superRefine((estate, ctx) => {
    const seen = { servers: new Map<string, string>(), clones: new Map<string, string>() };
    estate.cells.forEach((cell, ci) =>
      cell.clusters.forEach((cluster, ki) =>
        cluster.servers.forEach((server, si) => {
          const path = ['cells', ci, 'clusters', ki, 'servers', si];
          const firstName = seen.servers.get(server.name);
          if (firstName) ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `server name ${server.name} is also used at ${firstName}` });
          const firstClone = seen.clones.get(server.cloneId);
          if (firstClone) ctx.addIssue({ code: 'custom', path: [...path, 'cloneId'], message: `clone ID ${server.cloneId} is also used by ${firstClone}; clone IDs route sessions and must be unique` });
          seen.servers.set(server.name, toJsonPath(path));
          seen.clones.set(server.cloneId, server.name);
        }),
      ),
    );
  });
/** An estate as written in its JSON file. */
export type EstateInput = z.input<typeof estateSchema>;
/** A validated estate, with defaults filled in. */
export type Estate = z.infer<typeof estateSchema>;

/** Every server of the estate with the cell and cluster it belongs to. */
export function allServers(estate: Estate): { cell: Cell; cluster: Cluster; server: Server }[] {
  return estate.cells.flatMap((cell) => cell.clusters.flatMap((cluster) => cluster.servers.map((server) => ({ cell, cluster, server }))));
}

/** The names of the servers of the cluster named `cluster` (none when there is no such cluster). */
export function clusterServerNames(estate: Estate, cluster: string | undefined): string[] {
  return estate.cells.flatMap((c) => c.clusters).filter((k) => k.name === cluster).flatMap((k) => k.servers.map((s) => s.name));
}
