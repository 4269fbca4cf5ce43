/**
 * Picks the store for a configuration file's target (an HTTP server's `pluginCfg`, a load
 * balancer's `file`), and distributes one file to many stores.
 */
import { ConfigError } from '../../config';
import { resolveFrom } from '../../lab/paths';
import type { ConfigFileLabel, ConfigFileStore } from './config-file-store';
import { createLocalConfigFileStore } from './local-config-file-store';
import { createSshConfigFileStore, type ConfigFileTarget, type SshConfigFileStoreOptions } from './ssh-config-file-store';

export { ConfigFileStoreError, sha256Hex, type ConfigFileLabel, type ConfigFileStore, type ConfigFileWrite } from './config-file-store';
export { createLocalConfigFileStore } from './local-config-file-store';
export { createSshConfigFileStore, quoteForRemoteShell, type ConfigFileTarget, type SshConfigFileStoreOptions, type SshConfigFileTarget } from './ssh-config-file-store';
export { DistributionError, distributeIdentical, readIdentical, writeAllOrNothing, writeEvery, type BytesFor, type Distribution, type NamedConfigFileStore, type StoreState, type StoreWrite } from './distribute';

/** Options of `createConfigFileStore`. */
export interface ConfigFileStoreOptions extends ConfigFileLabel {
  /** Relative local paths and key files resolve against this; default the working directory. */
  baseDir?: string;
  /**
   * ssh/scp settings. Unset fields come from the environment: `TURNOUT_SSH_KNOWN_HOSTS` (known-hosts
   * file) and `TURNOUT_SSH_STRICT_HOST_KEY_CHECKING` (`yes` or `accept-new`).
   */
  ssh?: SshConfigFileStoreOptions;
}

function sshOptionsFromEnv(env: NodeJS.ProcessEnv): SshConfigFileStoreOptions {
  const strict = env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING;
  if (strict !== undefined && strict !== 'yes' && strict !== 'accept-new') throw new ConfigError('TURNOUT_SSH_STRICT_HOST_KEY_CHECKING', `must be yes or accept-new, not ${strict}`);
  return {
    ...(env.TURNOUT_SSH_KNOWN_HOSTS ? { knownHostsFile: env.TURNOUT_SSH_KNOWN_HOSTS } : {}),
    ...(strict ? { strictHostKeyChecking: strict } : {}),
  };
}

/** The store that reads and writes `target`: a local file, or a file on a remote host over ssh/scp. */
export function createConfigFileStore(target: ConfigFileTarget, opts: ConfigFileStoreOptions = {}): ConfigFileStore {
  const label = opts.label === undefined ? {} : { label: opts.label };
  if (target.kind === 'local') return createLocalConfigFileStore(resolveFrom(opts.baseDir, target.path), label);
  const ssh = { ...sshOptionsFromEnv(process.env), ...opts.ssh };
  if (ssh.knownHostsFile) ssh.knownHostsFile = resolveFrom(opts.baseDir, ssh.knownHostsFile);
  return createSshConfigFileStore({ ...target, keyFile: resolveFrom(opts.baseDir, target.keyFile) }, { ...ssh, ...label });
}
