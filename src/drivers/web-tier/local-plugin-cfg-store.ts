/**
 * plugin-cfg.xml on this machine's filesystem: an HTTP server on the same host as turnout, or a
 * plug-in directory mounted here.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PluginCfgStoreError, sha256Hex, type PluginCfgStore, type PluginCfgWrite } from './plugin-cfg-store';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PluginCfgStoreError(`cannot read plugin-cfg ${path}: ${errorText(err)}`);
  }
}

// A real plug-in directory exists before turnout writes to it; creating one would hide a typo in the estate.
async function requireDirectory(dir: string, path: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new PluginCfgStoreError(`cannot write plugin-cfg ${path}: directory ${dir} ${err.code === 'ENOENT' ? 'does not exist' : `is not reachable (${err.message})`}`);
  });
  if (!info.isDirectory()) throw new PluginCfgStoreError(`cannot write plugin-cfg ${path}: ${dir} is not a directory`);
}

/** The existing file's permission bits, so a replaced file stays readable by the same web server user. */
async function modeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.mode & 0o7777,
    () => 0o644,
  );
}

// Temp file beside the target (same filesystem, so the rename is atomic), fsynced before the rename
// so a crash never leaves a renamed but empty file.
async function writeTempFile(dir: string, path: string, bytes: Buffer): Promise<string> {
  const temp = join(dir, `.${basename(path)}.turnout-${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', await modeOf(path));
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

class LocalPluginCfgStore implements PluginCfgStore {
  constructor(private readonly path: string) {}

  read(): Promise<Buffer | null> {
    return readOrNull(this.path);
  }

  async write(bytes: Buffer): Promise<PluginCfgWrite> {
    const wanted = sha256Hex(bytes);
    const current = await readOrNull(this.path);
    if (current && sha256Hex(current) === wanted) return { changed: false, sha256: wanted };
    const dir = dirname(this.path);
    await requireDirectory(dir, this.path);
    let temp: string | undefined;
    try {
      temp = await writeTempFile(dir, this.path, bytes);
      await rename(temp, this.path);
      temp = undefined;
      await syncDirectory(dir);
    } catch (err) {
      throw new PluginCfgStoreError(`cannot write plugin-cfg ${this.path}: ${errorText(err)}`);
    } finally {
      if (temp) await rm(temp, { force: true });
    }
    return { changed: true, sha256: await this.verify(wanted) };
  }

  private async verify(wanted: string): Promise<string> {
    const after = await readOrNull(this.path);
    const got = after ? sha256Hex(after) : 'no file';
    if (got !== wanted) throw new PluginCfgStoreError(`plugin-cfg ${this.path} reads back as ${got} after writing ${wanted}`);
    return got;
  }
}

/** The plugin-cfg.xml at `path` (absolute, or relative to the working directory) on this machine. */
export function createLocalPluginCfgStore(path: string): PluginCfgStore {
  return new LocalPluginCfgStore(path);
}
