/**
 * An HTTP server's plugin-cfg.xml store: the generic configuration-file store of `../config-file`
 * under the names the plug-in code already uses.
 */
export { ConfigFileStoreError as PluginCfgStoreError, sha256Hex, type ConfigFileStore as PluginCfgStore, type ConfigFileWrite as PluginCfgWrite } from '../config-file/config-file-store';
