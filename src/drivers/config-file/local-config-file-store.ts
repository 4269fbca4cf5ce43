/**
 * A configuration file on this machine's filesystem: an HTTP server or load balancer on the same
 * host as turnout, or its directory mounted here.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigFileStoreError, sha256Hex, type ConfigFileLabel, type ConfigFileStore, type ConfigFileWrite } from './config-file-store';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function readOrNull(path: string, label: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigFileStoreError(`cannot read ${label} ${path}: ${errorText(err)}`);
  }
}

// A real plug-in or load balancer directory exists before turnout writes to it; creating one would hide a typo in the estate.
async function requireDirectory(dir: string, path: string, label: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new ConfigFileStoreError(`cannot write ${label} ${path}: directory ${dir} ${err.code === 'ENOENT' ? 'does not exist' : `is not reachable (${err.message})`}`);
  });
  if (!info.isDirectory()) throw new ConfigFileStoreError(`cannot write ${label} ${path}: ${dir} is not a directory`);
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

class LocalConfigFileStore implements ConfigFileStore {
  constructor(
    private readonly path: string,
    private readonly label: string,
  ) {}

  read(): Promise<Buffer | null> {
    return readOrNull(this.path, this.label);
  }

  async write(bytes: Buffer): Promise<ConfigFileWrite> {
    const wanted = sha256Hex(bytes);
    const current = await readOrNull(this.path, this.label);
    if (current && sha256Hex(current) === wanted) return { changed: false, sha256: wanted };
    const dir = dirname(this.path);
    await requireDirectory(dir, this.path, this.label);
    let temp: string | undefined;
    try {
      temp = await writeTempFile(dir, this.path, bytes);
      await rename(temp, this.path);
      temp = undefined;
      await syncDirectory(dir);
    } catch (err) {
      throw new ConfigFileStoreError(`cannot write ${this.label} ${this.path}: ${errorText(err)}`);
    } finally {
      if (temp) await rm(temp, { force: true });
    }
    return { changed: true, sha256: await this.verify(wanted) };
  }

  private async verify(wanted: string): Promise<string> {
    const after = await readOrNull(this.path, this.label);
    const got = after ? sha256Hex(after) : 'no file';
    if (got !== wanted) throw new ConfigFileStoreError(`${this.label} ${this.path} reads back as ${got} after writing ${wanted}`);
    return got;
  }
}

/** The file at `path` (absolute, or relative to the working directory) on this machine. */
export function createLocalConfigFileStore(path: string, opts: ConfigFileLabel = {}): ConfigFileStore {
  return new LocalConfigFileStore(path, opts.label ?? 'config file');
}
