/**
 * Where an HTTP server's plug-in reads its plugin-cfg.xml: a path on this machine, or a path on a
 * web server reached by SSH/SCP. One interface; one file per implementation (`local-plugin-cfg-store.ts`,
 * `ssh-plugin-cfg-store.ts`) and one contract suite both pass.
 */

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
