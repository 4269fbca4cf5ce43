/**
 * Scripts for applications and servers: install, virtual-host mapping, cluster and server
 * start/stop/restart, the server list, and PMI counters.
 */
import type { InstallCommand, VirtualHostCommand } from '../app-server/app-server';
import { checkName, checkValue, names, pythonString, script, WsadminInputError } from './jython-text';

/** The bodies: fixed text, reading their inputs from the parameters above them. */
const bodies = {
  install: String.raw`cell = AdminControl.getCell()
if APP_NAME in AdminApp.list().splitlines():
    action = 'present'
    if turnout_virtual_hosts(APP_NAME) != [VIRTUAL_HOST]:
        AdminApp.edit(APP_NAME, ['-MapWebModToVH', [['.*', '.*', VIRTUAL_HOST]]])
        action = 'remapped'
else:
    options = ['-appname', APP_NAME, '-MapWebModToVH', [['.*', '.*', VIRTUAL_HOST]]]
    if len(CLUSTERS) == 1:
        options = options + ['-cluster', CLUSTERS[0]]
    else:
        targets = ['WebSphere:cell=%s,cluster=%s' % (cell, c) for c in CLUSTERS]
        options = options + ['-MapModulesToServers', [['.*', '.*', '+'.join(targets)]]]
    AdminApp.install(EAR_PATH, options)
    action = 'installed'
if action != 'present':
    turnout_save()
turnout_wait_ready(APP_NAME)
turnout_result({'app': APP_NAME, 'action': action, 'virtualHosts': turnout_virtual_hosts(APP_NAME)})
`,
  setVirtualHost: String.raw`cell = AdminControl.getCell()
apps = []
for cluster in CLUSTERS:
    found = 0
    for name in turnout_cluster_apps(cell, cluster):
        if name.startswith(APP + '-'):
            found = 1
            if name not in apps:
                apps.append(name)
    if not found:
        turnout_fail('no version of %s is installed on cluster %s' % (APP, cluster))
remapped = []
for name in apps:
    if turnout_virtual_hosts(name) != [VIRTUAL_HOST]:
        AdminApp.edit(name, ['-MapWebModToVH', [['.*', '.*', VIRTUAL_HOST]]])
        remapped.append(name)
if remapped:
    turnout_save()
restarted = []
if RESTART:
    members = turnout_members()
    names = members.keys()
    names.sort()
    for server in names:
        node, cluster = members[server]
        if cluster in CLUSTERS and turnout_state(server, node) == 'STARTED':
            AdminControl.stopServer(server, node)
            AdminControl.startServer(server, node)
            restarted.append(server)
turnout_result({'apps': apps, 'remapped': remapped, 'restarted': restarted})
`,
  cluster: String.raw`mbean = AdminControl.completeObjectName('type=Cluster,name=%s,*' % CLUSTER)
if mbean == '':
    turnout_fail('no cluster %s in cell %s' % (CLUSTER, AdminControl.getCell()))
before = AdminControl.getAttribute(mbean, 'state')
if before != WANT:
    AdminControl.invoke(mbean, OPERATION)
    turnout_wait_cluster(mbean, WANT)
turnout_result({'cluster': CLUSTER, 'before': before, 'state': AdminControl.getAttribute(mbean, 'state')})
`,
  serversAction: String.raw`members = turnout_members()
nodes = {}
for server in SERVERS:
    nodes[server] = turnout_node(members, server)
changed = []
for server in SERVERS:
    node = nodes[server]
    state = turnout_state(server, node)
    if ACTION == 'start' and state == 'STOPPED':
        AdminControl.startServer(server, node)
        changed.append(server)
    elif ACTION == 'stop' and state != 'STOPPED':
        AdminControl.stopServer(server, node)
        changed.append(server)
    elif ACTION == 'restart' and state == 'STARTED':
        AdminControl.stopServer(server, node)
        AdminControl.startServer(server, node)
        changed.append(server)
turnout_result({'action': ACTION, 'changed': changed, 'servers': [{'name': s, 'state': turnout_state(s, nodes[s])} for s in SERVERS]})
`,
  listServers: String.raw`cell = AdminControl.getCell()
members = turnout_members()
names = members.keys()
names.sort()
apps = {}
servers = []
for server in names:
    node, cluster = members[server]
    if not apps.has_key(cluster):
        apps[cluster] = [{'name': a, 'virtualHosts': turnout_virtual_hosts(a)} for a in turnout_cluster_apps(cell, cluster)]
    servers.append({'name': server, 'node': node, 'cluster': cluster, 'state': turnout_state(server, node), 'apps': apps[cluster]})
turnout_result({'cell': cell, 'servers': servers})
`,
  pmi: String.raw`members = turnout_members()
nodes = {}
for server in SERVERS:
    nodes[server] = turnout_node(members, server)
servers = []
for server in SERVERS:
    state = turnout_state(server, nodes[server])
    value = 0
    if state == 'STARTED':
        value = turnout_pmi(server, nodes[server])
    servers.append({'name': server, 'state': state, 'value': value})
turnout_result({'statistic': STATISTIC, 'servers': servers})
`,
} as const;

/** The application name turnout installs a version under (seed 002: "an application name that includes a version number"). */
export function appName(app: string, version: string): string {
  return `${checkName(app, '$.app')}-${checkName(version, '$.version')}`;
}

/**
 * Installs `<app>-<version>` from the EAR at `artifact` (a path on the wsadmin host) on the
 * clusters, mapped to the virtual host. Idempotent: an installed application is left alone, or
 * only remapped when its virtual host differs. Waits until every node has the binaries.
 */
export function installScript(cmd: InstallCommand): string {
  if (cmd.clusters.length === 0) throw new WsadminInputError('$.clusters', 'name at least one cluster');
  return script(
    'install',
    [
      ['APP_NAME', pythonString(appName(cmd.app, cmd.version))],
      ['EAR_PATH', pythonString(checkValue(cmd.artifact, '$.artifact'))],
      ['CLUSTERS', names(cmd.clusters, '$.clusters')],
      ['VIRTUAL_HOST', pythonString(checkName(cmd.virtualHost, '$.virtualHost'))],
    ],
    ['json', 'save', 'virtualHosts', 'waitReady'],
    bodies.install,
  );
}

/**
 * Maps every version of `app` installed on the clusters (`<app>-*`) to the virtual host, then,
 * when asked, restarts the clusters' running members so they serve the new mapping. The restart
 * happens on every call with `restart`, changed or not: wsadmin cannot tell which mapping a
 * running server loaded, so a retry after a half-done restart must restart again to be sure.
 */
export function setVirtualHostScript(cmd: VirtualHostCommand): string {
  if (cmd.clusters.length === 0) throw new WsadminInputError('$.clusters', 'name at least one cluster');
  return script(
    'set-virtual-host',
    [
      ['APP', pythonString(checkName(cmd.app, '$.app'))],
      ['CLUSTERS', names(cmd.clusters, '$.clusters')],
      ['VIRTUAL_HOST', pythonString(checkName(cmd.virtualHost, '$.virtualHost'))],
      ['RESTART', cmd.restart ? '1' : '0'],
    ],
    ['json', 'save', 'virtualHosts', 'members', 'clusterApps'],
    bodies.setVirtualHost,
  );
}

/** The Cluster MBean operation and the state it leads to. */
const clusterActions = {
  start: { operation: 'start', want: 'websphere.cluster.running' },
  stop: { operation: 'stop', want: 'websphere.cluster.stopped' },
} as const;

/** Starts or stops a whole cluster through its Cluster MBean and waits for the state; idempotent. */
export function clusterScript(action: keyof typeof clusterActions, cluster: string): string {
  const { operation, want } = clusterActions[action];
  return script(
    `${action}-cluster`,
    [
      ['CLUSTER', pythonString(checkName(cluster, '$.cluster'))],
      ['OPERATION', pythonString(operation)],
      ['WANT', pythonString(want)],
    ],
    ['json', 'waitCluster'],
    bodies.cluster,
  );
}

/** What a server script does to each server: start stopped ones, stop running ones, or restart running ones. */
export type ServerAction = 'start' | 'stop' | 'restart';

/**
 * Starts, stops or restarts cluster members with `AdminControl.startServer`/`stopServer`, their
 * nodes looked up from the cluster configuration. Every name is checked before anything changes.
 */
export function serversScript(action: ServerAction, servers: readonly string[]): string {
  return script(`${action}-servers`, [['ACTION', pythonString(action)], ['SERVERS', names(servers, '$.servers')]], ['json', 'members'], bodies.serversAction);
}

/** Every cluster member with its node, cluster, state, and the applications installed on its cluster with their virtual hosts. */
export function listServersScript(): string {
  return script('list-servers', [], ['json', 'virtualHosts', 'members', 'clusterApps'], bodies.listServers);
}

/**
 * The PMI figures turnout reads, per server, from the Perf MBean (`getStatsObject` on the named
 * MBean type of that server process).
 *
 * - `liveSessions`: SessionManager LiveCount (servletSessionsModule): the HTTP sessions the server
 *   holds in memory, which is what a drain waits on (seed 002: "a lightweight PMI setting").
 * - `orbRequests`: ORB ConcurrentRequestCount (orbPerfModule.concurrentRequests): IIOP requests
 *   the ORB is processing right now. The seed counts ORB port connections with netstat; no PMI
 *   counter gives open connections, and this is the closest measure of EJB client activity. It
 *   reads 0 between calls even while clients keep idle connections open, and IBM lists it at
 *   statistic level "all" with high overhead, so it must be enabled (custom set `orbPerfModule=3`).
 * - `webRequests`: the WebContainer thread pool's ActiveCount (threadPoolModule): threads serving
 *   HTTP requests right now, what seed 003's quiesce watches before it resets a member. Limits: it
 *   counts the requests of every application in the server, not only turnout's; it is sampled,
 *   so a request that starts just after the read is not in it; a thread held by asynchronous
 *   servlet work counts as busy. It must be enabled (custom set `threadPoolModule=3`, or the
 *   "extended" statistic set). `mbeanType` carries the pool's name as a second ObjectName key.
 */
export const pmiMeasures = {
  liveSessions: { operation: 'live-sessions', mbeanType: 'SessionManager', statistic: 'LiveCount' },
  orbRequests: { operation: 'orb-requests', mbeanType: 'ORB', statistic: 'ConcurrentRequestCount' },
  webRequests: { operation: 'in-flight', mbeanType: 'ThreadPool,name=WebContainer', statistic: 'ActiveCount' },
} as const;

/** Reads one PMI measure for each server: 0 for a stopped server, null where the counter is not enabled. */
export function pmiScript(measure: keyof typeof pmiMeasures, servers: readonly string[]): string {
  const { operation, mbeanType, statistic } = pmiMeasures[measure];
  return script(
    operation,
    [
      ['SERVERS', names(servers, '$.servers')],
      ['MBEAN_TYPE', pythonString(mbeanType)],
      ['STATISTIC', pythonString(statistic)],
    ],
    ['json', 'members', 'pmi'],
    bodies.pmi,
  );
}
