/**
 * Picks the plugin-cfg store for an HTTP server's `pluginCfg` target.
 */
import { ConfigError } from '../../config';
import type { PluginCfgTarget } from '../../model/estate';
import { resolveFrom } from '../../lab/paths';
import { createLocalPluginCfgStore } from './local-plugin-cfg-store';
import type { PluginCfgStore } from './plugin-cfg-store';
import { createSshPluginCfgStore, type SshPluginCfgStoreOptions } from './ssh-plugin-cfg-store';

export type { PluginCfgStore, PluginCfgWrite } from './plugin-cfg-store';
export { PluginCfgStoreError } from './plugin-cfg-store';

/** Options of `createPluginCfgStore`. */
export interface PluginCfgStoreOptions {
  /** Relative local paths and key files resolve against this; default the working directory. */
  baseDir?: string;
  /**
   * ssh/scp settings. Unset fields come from the environment: `TURNOUT_SSH_KNOWN_HOSTS` (known-hosts
   * file) and `TURNOUT_SSH_STRICT_HOST_KEY_CHECKING` (`yes` or `accept-new`).
   */
  ssh?: SshPluginCfgStoreOptions;
}

function sshOptionsFromEnv(env: NodeJS.ProcessEnv): SshPluginCfgStoreOptions {
  const strict = env.TURNOUT_SSH_STRICT_HOST_KEY_CHECKING;
  if (strict !== undefined && strict !== 'yes' && strict !== 'accept-new') throw new ConfigError('TURNOUT_SSH_STRICT_HOST_KEY_CHECKING', `must be yes or accept-new, not ${strict}`);
  return {
    ...(env.TURNOUT_SSH_KNOWN_HOSTS ? { knownHostsFile: env.TURNOUT_SSH_KNOWN_HOSTS } : {}),
    ...(strict ? { strictHostKeyChecking: strict } : {}),
  };
}

/** The store that reads and writes `target`: a local file, or a file on a remote host over ssh/scp. */
export function createPluginCfgStore(target: PluginCfgTarget, opts: PluginCfgStoreOptions = {}): PluginCfgStore {
  if (target.kind === 'local') return createLocalPluginCfgStore(resolveFrom(opts.baseDir, target.path));
  const ssh = { ...sshOptionsFromEnv(process.env), ...opts.ssh };
  if (ssh.knownHostsFile) ssh.knownHostsFile = resolveFrom(opts.baseDir, ssh.knownHostsFile);
  return createSshPluginCfgStore({ ...target, keyFile: resolveFrom(opts.baseDir, target.keyFile) }, ssh);
}
