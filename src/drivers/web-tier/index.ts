/**
 * Picks the plugin-cfg store for an HTTP server's `pluginCfg` target: the generic
 * configuration-file store (`../config-file`), labelled `plugin-cfg` in its messages.
 */
import type { PluginCfgTarget } from '../../model/estate';
import { createConfigFileStore, type ConfigFileStoreOptions } from '../config-file';
import type { PluginCfgStore } from './plugin-cfg-store';

export type { PluginCfgStore, PluginCfgWrite } from './plugin-cfg-store';
export { PluginCfgStoreError } from './plugin-cfg-store';

/** Options of `createPluginCfgStore`: those of `createConfigFileStore` but the label. */
export type PluginCfgStoreOptions = Omit<ConfigFileStoreOptions, 'label'>;

/** The store that reads and writes `target`: a local file, or a file on a remote host over ssh/scp. */
export function createPluginCfgStore(target: PluginCfgTarget, opts: PluginCfgStoreOptions = {}): PluginCfgStore {
  return createConfigFileStore(target, { ...opts, label: 'plugin-cfg' });
}
