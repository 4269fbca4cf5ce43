/**
 * Seed 003's resets for wsadmin: activate one edition of an application on some cluster members.
 *
 * turnout installs each version as its own application, `<app>-<version>`, on the cluster (see
 * `appName`), so on a member "the edition" is which of those applications runs there:
 * - soft: on the member's own ApplicationManager MBean, `stopApplication` for every other
 *   `<app>-*` running there, then `startApplication` of the new one. The server process stays up.
 * - hard: the server process restarts (`AdminControl.stopServer`/`startServer`, through its node
 *   agent, as the other server scripts do), then the same activation on the fresh process: every
 *   application mapped to the cluster starts with it, and the other editions are stopped again.
 * - a STOPPED member is started, then activated, whatever the reset.
 *
 * Idempotent: a member that runs the edition and no other `<app>-*` is left alone, whichever reset
 * is asked for (wsadmin cannot tell which reset activated it). Limits: the activation is runtime
 * state, not configuration, so a restart outside turnout starts every edition mapped to the cluster
 * again; and a failed start is read back from the Application MBean, which does not say why beyond
 * the exception `startApplication` raised.
 */
import type { ResetCommand } from '../app-server/app-server';
import { appName } from './jython-servers';
import { names, pythonString, script, WsadminInputError } from './jython-text';

const resetBody = String.raw`cell = AdminControl.getCell()
members = turnout_members()
nodes = {}
for server in SERVERS:
    nodes[server] = turnout_node(members, server)
    if APP_NAME not in turnout_cluster_apps(cell, members[server][1]):
        turnout_fail('%s is not installed on cluster %s: install it before the reset' % (APP_NAME, members[server][1]))
results = []
for server in SERVERS:
    node = nodes[server]
    others = [a for a in turnout_cluster_apps(cell, members[server][1]) if a != APP_NAME and a.startswith(APP + '-')]
    before = turnout_state(server, node)
    action = 'none'
    problem = None
    if before == 'STOPPED':
        AdminControl.startServer(server, node)
        action = 'started'
    elif RESET == 'hard' and (not turnout_app_running(server, node, APP_NAME) or [a for a in others if turnout_app_running(server, node, a)]):
        AdminControl.stopServer(server, node)
        AdminControl.startServer(server, node)
        action = 'hard'
    if turnout_state(server, node) == 'STARTED':
        changed, problem = turnout_activate(server, node, APP_NAME, others)
        if changed and action == 'none':
            action = 'soft'
    results.append({'name': server, 'before': before, 'action': action, 'state': turnout_state(server, node), 'pid': turnout_pid(server, node), 'running': turnout_app_running(server, node, APP_NAME), 'others': [a for a in others if turnout_app_running(server, node, a)], 'problem': problem})
turnout_result({'app': APP_NAME, 'reset': RESET, 'servers': results})
`;

/**
 * Activates `<app>-<version>` on each server with the reset asked for, one server after the other
 * in the order given; every name is checked, and the edition must be installed on each server's
 * cluster, before anything changes. The artifact is not used here: the install put it in place.
 */
export function resetServersScript(cmd: ResetCommand): string {
  if (cmd.servers.length === 0) throw new WsadminInputError('$.servers', 'name at least one server');
  // appName checks both the app and the version.
  const edition = appName(cmd.app, cmd.version);
  return script(
    `${cmd.reset}-reset`,
    [
      ['APP', pythonString(cmd.app)],
      ['APP_NAME', pythonString(edition)],
      ['SERVERS', names(cmd.servers, '$.servers')],
      ['RESET', pythonString(cmd.reset)],
    ],
    ['json', 'members', 'clusterApps', 'editions'],
    resetBody,
  );
}
