/**
 * plugin-cfg.xml's encoding by its XML declaration (GenPluginCfg writes ISO-8859-1): the shared
 * `../xml/encoding` under the names the plug-in code and CLI already use.
 */
export { decodeXml as decodePluginCfg, encodeXml as encodePluginCfg, xmlEncoding as pluginCfgEncoding } from '../xml/encoding';
