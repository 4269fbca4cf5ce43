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
