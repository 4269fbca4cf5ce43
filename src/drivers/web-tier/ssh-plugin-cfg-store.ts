/** plugin-cfg.xml on a remote HTTP server: the SSH configuration-file store, labelled `plugin-cfg` in its messages. */
import type { ConfigFileStore } from '../config-file/config-file-store';
import { createSshConfigFileStore, type SshConfigFileStoreOptions, type SshConfigFileTarget } from '../config-file/ssh-config-file-store';

export { quoteForRemoteShell, type SshConfigFileStoreOptions as SshPluginCfgStoreOptions, type SshConfigFileTarget as SshPluginCfgTarget } from '../config-file/ssh-config-file-store';

/** The plugin-cfg.xml at `target.path` on `target.host`, read and written with ssh and scp. */
export function createSshPluginCfgStore(target: SshConfigFileTarget, opts: SshConfigFileStoreOptions = {}): ConfigFileStore {
  return createSshConfigFileStore(target, { ...opts, label: 'plugin-cfg' });
}
