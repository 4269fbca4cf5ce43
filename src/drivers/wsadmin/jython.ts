/**
 * The Jython scripts the wsadmin driver runs against a real WebSphere cell, as pure functions of
 * their inputs: the same inputs always give the same text, byte for byte.
 *
 * Every script has the same shape: a header, its inputs as Python literals (never spliced into
 * code), the helpers it needs, and a body that prints exactly one `TURNOUT-RESULT <json>` line, or
 * one `TURNOUT-ERROR <json string>` line and exits 1 when the cell is not as expected. Scripts
 * that change the configuration save it and synchronize the nodes (the seed's clusters read their
 * configuration from their nodes, so a restart before the sync would pick up the old one).
 *
 * The text must run on both Jython 2.1 (WebSphere 7 to 8.5 by default) and 2.7 (WebSphere 9):
 * hence no True/False, no json module, and no substring tests with `in`.
 */
export { pythonString, WsadminInputError } from './jython-text';
export { appName, clusterScript, installScript, listServersScript, pmiMeasures, pmiScript, serversScript, setVirtualHostScript, type ServerAction } from './jython-servers';
export { generatePluginCfgScript, pluginCfgAutomationScript, propagatePluginCfgScript, type WebServerRef } from './jython-plugin-cfg';
export { bindNameScript, listNamesScript, readBindingsScript, setBindingsScript, unbindNameScript, type WsadminBinding } from './jython-bindings';
export { resetServersScript } from './jython-editions';
