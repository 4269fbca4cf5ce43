/** The plugin-cfg store contract is the configuration-file store contract; these names stay for existing callers. */
export { configFileStoreContract as pluginCfgStoreContract, type ConfigFileStoreUnderTest as PluginCfgStoreUnderTest } from './config-file-store-contract';
