/** The plugin-cfg.xml driver: lossless parsing, the seed's transitions, merging and routing diffs. Pure. */
export { PluginCfgError, parsePluginCfgDocument, renderPluginCfgDocument, type PluginCfgDocument, type XmlAttribute, type XmlElement, type XmlNode, type XmlRaw, type XmlText } from './plugin-cfg-document';
export { finalPluginCfg, genPluginCfgUriGroupName, holdPluginCfg, zeroWeightsPluginCfg, mergePluginCfg, pluginCfgServers, transitionPluginCfg, type PluginCfgServer, type TransitionOptions } from './transitions';
export { diffPluginCfg, renderPluginCfgDiff, type PluginCfgChange, type PluginCfgRouteRef } from './diff';
export { decodePluginCfg, encodePluginCfg, pluginCfgEncoding } from './encoding';
