/** Scripts for the web server plug-in's configuration: generate it in the cell, propagate it to the web servers. */
import { blockList, checkName, pythonString, script } from './jython-text';

/** The bodies: fixed text, reading their inputs from the parameters above them. */
const bodies = {
  generatePluginCfg: String.raw`import base64
import java

configRoot = turnout_config_root(CELL)
AdminControl.invoke_jmx(turnout_plugin_generator(), 'generate', [configRoot, CELL, None, None, java.lang.Boolean('false')], ['java.lang.String', 'java.lang.String', 'java.lang.String', 'java.lang.String', 'java.lang.Boolean'])
path = configRoot + '/cells/plugin-cfg.xml'
source = open(path, 'rb')
content = source.read()
source.close()
turnout_result({'cell': CELL, 'path': path, 'base64': ''.join(base64.encodestring(content).split())})
`,
  propagatePluginCfg: String.raw`configRoot = turnout_config_root(CELL)
propagated = []
for node, server in WEB_SERVERS:
    AdminControl.invoke_jmx(turnout_plugin_generator(), 'propagate', [configRoot, CELL, node, server], ['java.lang.String', 'java.lang.String', 'java.lang.String', 'java.lang.String'])
    propagated.append(server)
turnout_result({'cell': CELL, 'propagated': propagated})
`,
  pluginCfgAutomation: String.raw`cellId = AdminConfig.getid('/Cell:%s/' % CELL)
if cellId == '':
    turnout_fail('cell %s is not in the configuration wsadmin is connected to' % CELL)
webServers = []
for webServer in AdminConfig.list('WebServer', cellId).splitlines():
    nodeAt = webServer.find('/nodes/') + len('/nodes/')
    serverAt = webServer.find('/servers/')
    node = webServer[nodeAt:serverAt]
    name = webServer[serverAt + len('/servers/'):webServer.find('|')]
    generation = None
    propagation = None
    properties = AdminConfig.list('PluginProperties', webServer).splitlines()
    if len(properties) > 0:
        generation = AdminConfig.showAttribute(properties[0], 'PluginGeneration')
        propagation = AdminConfig.showAttribute(properties[0], 'PluginPropagation')
    webServers.append({'node': node, 'name': name, 'generation': generation, 'propagation': propagation})
turnout_result({'cell': CELL, 'webServers': webServers})
`,
} as const;

/**
 * Generates the cell-wide plugin-cfg.xml (GenPluginCfg for the cell, through the dmgr's
 * PluginCfgGenerator MBean, no node or web server: `<config root>/cells/plugin-cfg.xml`) and
 * returns the file's bytes in base64. The file is read on the wsadmin host, so wsadmin must run on
 * the deployment manager's machine, as IBM's own procedure for this MBean requires.
 */
export function generatePluginCfgScript(cell: string): string {
  return script('generate-plugin-cfg', [['CELL', pythonString(checkName(cell, '$.cell'))]], ['json', 'configRoot'], bodies.generatePluginCfg);
}

/** A web server definition in the cell. */
export interface WebServerRef {
  node: string;
  name: string;
}

/**
 * Propagates each web server's generated plugin-cfg.xml to its host (PluginCfgGenerator
 * `propagate`). turnout distributes its own transformed file instead; this is for completeness.
 */
export function propagatePluginCfgScript(cell: string, webServers: readonly WebServerRef[]): string {
  const refs = webServers.map((w, i) => `(${pythonString(checkName(w.node, `$.webServers[${i}].node`))}, ${pythonString(checkName(w.name, `$.webServers[${i}].name`))})`);
  return script(
    'propagate-plugin-cfg',
    [
      ['CELL', pythonString(checkName(cell, '$.cell'))],
      ['WEB_SERVERS', blockList(refs)],
    ],
    ['json', 'configRoot'],
    bodies.propagatePluginCfg,
  );
}

/**
 * Reads every web server definition of the cell with its plug-in properties (`PluginGeneration` and
 * `PluginPropagation`, each `AUTOMATIC` or `MANUAL`): whether the deployment manager regenerates
 * plugin-cfg.xml and pushes it to the web servers on its own, which would overwrite the files
 * turnout writes. Reads only. The web server's node and name come from its configuration ID
 * (`(cells/<cell>/nodes/<node>/servers/<name>|server.xml#WebServer_1)`).
 */
export function pluginCfgAutomationScript(cell: string): string {
  return script('plugin-cfg-automation', [['CELL', pythonString(checkName(cell, '$.cell'))]], ['json'], bodies.pluginCfgAutomation);
}
