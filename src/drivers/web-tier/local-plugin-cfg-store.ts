/** plugin-cfg.xml on this machine: the local configuration-file store, labelled `plugin-cfg` in its messages. */
import type { ConfigFileStore } from '../config-file/config-file-store';
import { createLocalConfigFileStore } from '../config-file/local-config-file-store';

/** The plugin-cfg.xml at `path` (absolute, or relative to the working directory) on this machine. */
export function createLocalPluginCfgStore(path: string): ConfigFileStore {
  return createLocalConfigFileStore(path, { label: 'plugin-cfg' });
}
