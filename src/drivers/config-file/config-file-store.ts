/**
 * A configuration file that a routing tier reads, such as an HTTP server plug-in's plugin-cfg.xml
 * or a load balancer's loadbalancer.xml: a path on this machine, or a path on a host reached by
 * SSH/SCP. One interface; one file per implementation (`local-config-file-store.ts`,
 * `ssh-config-file-store.ts`) and one contract suite both pass.
 */
import { createHash } from 'node:crypto';

/** What a write did. */
export interface ConfigFileWrite {
  /** False when the file already held exactly these bytes: nothing was written. */
  changed: boolean;
  /** sha256 of the bytes now in the file, read back after the write. */
  sha256: string;
}

/** One configuration file at one place. */
export interface ConfigFileStore {
  /** The file's bytes, or null when there is no file. */
  read(): Promise<Buffer | null>;
  /**
   * Replaces the file atomically (a temp file beside it, then rename), reads it back and compares.
   * Idempotent: a file that already holds `bytes` is not touched.
   */
  write(bytes: Buffer): Promise<ConfigFileWrite>;
}

/** Hex sha256 of `bytes`: how both stores compare what they wrote with what they read back. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A configuration file could not be read or written; the message names the place and the cause. */
export class ConfigFileStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileStoreError';
  }
}

/** How a store names its file in messages, such as `plugin-cfg` or `loadbalancer.xml`. */
export interface ConfigFileLabel {
  /** Default `config file`. */
  label?: string;
}
