/**
 * A configuration file on a remote host, reached with the system `ssh` and `scp`: plugin-cfg.xml on
 * an HTTP server (seed 002 B.1.4, D.3: copy the file to every HTTP server; the plug-in re-reads it
 * every RefreshInterval), or loadbalancer.xml on a load balancer (seed 004, "Using Multiple Load
 * Balancers": distribute one master copy to all of them).
 *
 * Every command runs from an argument array, never a local shell. The remote login shell does
 * interpret the command ssh sends, so every remote path in it is single-quoted. scp is given the
 * temp path as is: OpenSSH 9 copies over SFTP, where paths are not shell-interpreted.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basename as remoteBasename, dirname as remoteDirname } from 'node:path/posix';
import type { PluginCfgTarget } from '../../model/estate';
import { ConfigFileStoreError, sha256Hex, type ConfigFileLabel, type ConfigFileStore, type ConfigFileWrite } from './config-file-store';

/** Where a configuration file lives: the estate's `pluginCfg` / `file` target (local, or ssh). */
export type ConfigFileTarget = PluginCfgTarget;

/** A configuration file target on a remote host. */
export type SshConfigFileTarget = Extract<ConfigFileTarget, { kind: 'ssh' }>;

/** How to run ssh and scp, and how they check the remote host key. */
export interface SshConfigFileStoreOptions {
  /** The ssh binary; default `ssh` from PATH. */
  sshCommand?: string;
  /** The scp binary; default `scp` from PATH. */
  scpCommand?: string;
  /** Known-hosts file used instead of ~/.ssh/known_hosts (ssh's default when unset). */
  knownHostsFile?: string;
  /** `yes` (default): the host key must already be known. `accept-new`: record a new host's key, refuse a changed one. */
  strictHostKeyChecking?: 'yes' | 'accept-new';
  /** ssh's ConnectTimeout in seconds; default 10. */
  connectTimeoutSeconds?: number;
  /** Kills one ssh or scp run after this long; default 120000. */
  commandTimeoutMs?: number;
}

/** Quotes `text` as one word for a POSIX shell: single quotes, each `'` written as `'\''`. */
export function quoteForRemoteShell(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// Exit codes the remote scripts use to report a missing file or directory, apart from real failures.
const missingFile = 44;
const missingDir = 45;
// `mv -f tmp dir` would move the temp file into a directory instead of failing.
const isDirectory = 46;
// ssh's own failures (connect, auth, host key) exit 255; a remote command's status passes through otherwise.
const sshFailed = 255;

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ConfigFileStoreError(err.code === 'ENOENT' ? `${command} is not installed (not found on PATH)` : `cannot run ${command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const err = Buffer.concat(stderr).toString('utf8').trim();
      resolve({ code, stdout: Buffer.concat(stdout), stderr: signal ? `${err}\n(killed by ${signal} after ${timeoutMs} ms)`.trim() : err });
    });
  });
}

type RemoteHash = { kind: 'file'; sha256: string } | { kind: 'missing-file' } | { kind: 'missing-dir' };

class SshConfigFileStore implements ConfigFileStore {
  private readonly where: string;
  private readonly dir: string;

  constructor(
    private readonly target: SshConfigFileTarget,
    private readonly opts: SshConfigFileStoreOptions,
    private readonly label: string,
  ) {
    this.where = `${target.user}@${target.host}:${target.port}`;
    this.dir = remoteDirname(target.path);
  }

  async read(): Promise<Buffer | null> {
    const p = quoteForRemoteShell(this.target.path);
    const result = await this.ssh(`[ -e ${p} ] || exit ${missingFile}; exec cat -- ${p}`);
    if (result.code === missingFile) return null;
    this.check(result, 'cannot read');
    return result.stdout;
  }

  async write(bytes: Buffer): Promise<ConfigFileWrite> {
    const wanted = sha256Hex(bytes);
    const before = await this.remoteHash('cannot check its sha256');
    if (before.kind === 'missing-dir') throw this.failure(`cannot write: directory ${this.dir} does not exist`);
    if (before.kind === 'file' && before.sha256 === wanted) return { changed: false, sha256: wanted };
    const temp = `${this.dir}/.${remoteBasename(this.target.path)}.turnout-${randomBytes(8).toString('hex')}.tmp`;
    try {
      await this.copy(bytes, temp);
      return { changed: true, sha256: await this.renameAndVerify(temp, wanted) };
    } catch (err) {
      // Best effort: the error that brought us here matters more than a failed cleanup.
      await this.ssh(`rm -f -- ${quoteForRemoteShell(temp)}`).catch(() => undefined);
      throw err;
    }
  }

  // One connection for the rename and the read-back: each ssh login costs far more than the commands.
  private async renameAndVerify(temp: string, wanted: string): Promise<string> {
    const p = quoteForRemoteShell(this.target.path);
    const rename = `[ ! -d ${p} ] || exit ${isDirectory}; mv -f -- ${quoteForRemoteShell(temp)} ${p} || exit; `;
    const after = await this.remoteHash(`cannot rename ${temp} over it`, rename);
    const got = after.kind === 'file' ? after.sha256 : 'no file';
    if (got !== wanted) throw this.failure(`reads back as ${got} after writing ${wanted}`);
    return got;
  }

  /** The file's sha256 (sha256sum on the remote host), after running `first` there. */
  private async remoteHash(action: string, first = ''): Promise<RemoteHash> {
    const d = quoteForRemoteShell(this.dir);
    const p = quoteForRemoteShell(this.target.path);
    const result = await this.ssh(`${first}[ -d ${d} ] || exit ${missingDir}; [ ! -d ${p} ] || exit ${isDirectory}; [ -e ${p} ] || exit ${missingFile}; exec sha256sum -- ${p}`);
    if (result.code === missingDir) return { kind: 'missing-dir' };
    if (result.code === missingFile) return { kind: 'missing-file' };
    this.check(result, action);
    const sha256 = /^[0-9a-f]{64}/.exec(result.stdout.toString('utf8'))?.[0];
    if (!sha256) throw this.failure(`sha256sum printed no hash: ${result.stdout.toString('utf8').slice(0, 200)}`);
    return { kind: 'file', sha256 };
  }

  private async copy(bytes: Buffer, remoteTemp: string): Promise<void> {
    const local = await mkdtemp(join(tmpdir(), 'turnout-scp-'));
    try {
      const file = join(local, 'upload');
      await writeFile(file, bytes, { mode: 0o644 });
      const host = this.target.host.includes(':') ? `[${this.target.host}]` : this.target.host;
      const result = await run(this.opts.scpCommand ?? 'scp', [...(await this.commonArgs()), '-q', '-P', String(this.target.port), '--', file, `${host}:${remoteTemp}`], this.timeoutMs());
      if (result.code !== 0) throw this.failure(`scp to ${remoteTemp} failed: ${result.stderr || `exit code ${String(result.code)}`}`);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  }

  private async ssh(script: string): Promise<RunResult> {
    return run(this.opts.sshCommand ?? 'ssh', [...(await this.commonArgs()), '-p', String(this.target.port), '--', this.target.host, script], this.timeoutMs());
  }

  private async commonArgs(): Promise<string[]> {
    const { keyFile, user } = this.target;
    // ssh only warns about an unreadable identity and then fails auth; say what is wrong instead.
    await access(keyFile, constants.R_OK).catch(() => {
      throw this.failure(`key file ${keyFile} is missing or not readable`);
    });
    const known = this.opts.knownHostsFile;
    const options = [
      'BatchMode=yes',
      'IdentitiesOnly=yes',
      `StrictHostKeyChecking=${this.opts.strictHostKeyChecking ?? 'yes'}`,
      `ConnectTimeout=${this.opts.connectTimeoutSeconds ?? 10}`,
      'LogLevel=ERROR',
      `User=${user}`,
      ...(known ? [`UserKnownHostsFile=${known}`] : []),
    ];
    return ['-i', keyFile, ...options.flatMap((o) => ['-o', o])];
  }

  private timeoutMs(): number {
    return this.opts.commandTimeoutMs ?? 120_000;
  }

  private check(result: RunResult, action: string): void {
    if (result.code === 0) return;
    if (result.code === isDirectory) throw this.failure(`${action}: it is a directory`);
    if (result.code === sshFailed) throw new ConfigFileStoreError(`ssh to ${this.where} failed (for ${this.target.path}): ${result.stderr || 'no message'}`);
    throw this.failure(`${action}: ${result.stderr || `exit code ${String(result.code)}`}`);
  }

  private failure(message: string): ConfigFileStoreError {
    return new ConfigFileStoreError(`${this.label} ${this.target.path} on ${this.where}: ${message}`);
  }
}

/** The file at `target.path` on `target.host`, read and written with ssh and scp. */
export function createSshConfigFileStore(target: SshConfigFileTarget, opts: SshConfigFileStoreOptions & ConfigFileLabel = {}): ConfigFileStore {
  return new SshConfigFileStore(target, opts, opts.label ?? 'config file');
}
