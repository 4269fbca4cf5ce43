/**
 * Where an HTTP server's plug-in reads its plugin-cfg.xml: a path on this machine, or a path on a
 * web server reached by SSH/SCP. One interface; one file per implementation (`local-plugin-cfg-store.ts`,
 * `ssh-plugin-cfg-store.ts`) and one contract suite both pass.
 */
import { createHash } from 'node:crypto';

/** What a write did. */
export interface PluginCfgWrite {
  /** False when the file already held exactly these bytes: nothing was written. */
  changed: boolean;
  /** sha256 of the bytes now in the file, read back after the write. */
  sha256: string;
}

/** One HTTP server's plugin-cfg.xml. */
export interface PluginCfgStore {
  /** The file's bytes, or null when there is no file. */
  read(): Promise<Buffer | null>;
  /**
   * Replaces the file atomically (a temp file beside it, then rename), reads it back and compares.
   * Idempotent: a file that already holds `bytes` is not touched.
   */
  write(bytes: Buffer): Promise<PluginCfgWrite>;
}

/** Hex sha256 of `bytes`: how both stores compare what they wrote with what they read back. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A plugin-cfg.xml could not be read or written; the message names the place and the cause. */
export class PluginCfgStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginCfgStoreError';
  }
}
