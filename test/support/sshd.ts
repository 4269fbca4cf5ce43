/**
 * A real OpenSSH server on 127.0.0.1 for tests: its own host key, client key, authorized_keys and
 * known_hosts in a temp folder, so neither /etc/ssh's keys nor ~/.ssh are used or changed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { canBind, isListening, waitFor, waitForExit } from '../../src/lab/process-utils';

/** The port range the SSH tests may use. */
export const testSshPorts = { first: 23000, last: 23099 } as const;

const sshdBin = '/usr/sbin/sshd';

/** A running test sshd and the files a client needs to reach it. */
export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  /** The current user: sshd runs as root here and lets this user in with `keyFile`. */
  user: string;
  /** The temp folder holding keys, config and known_hosts. */
  dir: string;
  /** The authorized client key (relative to `dir`: `client_ed25519`). */
  keyFile: string;
  /** An empty known_hosts file in `dir`, for `StrictHostKeyChecking=accept-new`. */
  knownHostsFile: string;
  /** Stops the sshd process and keeps its files: the port refuses connections until {@link TestSshd.resume}. */
  halt(): Promise<void>;
  /** Starts sshd again on the same port, with the same host key, so known hosts still match. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Generates an unencrypted ed25519 key pair at `path` and `path.pub`. */
export function generateEd25519Key(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'turnout-test', '-f', path], { stdio: 'ignore' });
}

/** A port in the SSH test range that nothing listens on now, other than `except`. */
export async function freeTestSshPort(except: readonly number[] = []): Promise<number> {
  for (let port = testSshPorts.first; port <= testSshPorts.last; port++) if (!except.includes(port) && (await canBind('127.0.0.1', port))) return port;
  throw new Error(`no free port in ${testSshPorts.first}-${testSshPorts.last}`);
}

function sshdConfig(dir: string, port: number, user: string): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${join(dir, 'host_ed25519')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AllowUsers ${user}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'UseDNS no',
    'PrintMotd no',
    // scp speaks SFTP; the built-in server needs no path to a helper binary.
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

async function waitUntilListening(child: ChildProcess, port: number, stderr: () => string): Promise<void> {
  await waitFor(async () => child.exitCode !== null || (await isListening('127.0.0.1', port)), 20_000, `sshd did not listen on 127.0.0.1:${port}: ${stderr()}`);
  if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${stderr()}`);
}

/** Starts sshd on a free port in 23000-23099; throws with a hint when OpenSSH server is missing. */
export async function startTestSshd(): Promise<TestSshd> {
  if (!existsSync(sshdBin)) throw new Error(`${sshdBin} is missing: run \`node scripts/provision.js\` (as root) or \`apt-get install -y openssh-server\``);
  // Privilege separation directory; the Debian service creates it at boot, a bare container has none.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'turnout-sshd-'));
  const user = userInfo().username;
  generateEd25519Key(join(dir, 'host_ed25519'));
  generateEd25519Key(join(dir, 'client_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')));
  writeFileSync(join(dir, 'known_hosts'), '');
  const port = await freeTestSshPort();
  writeFileSync(join(dir, 'sshd_config'), sshdConfig(dir, port, user));
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(sshdBin, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString('utf8')).slice(-4000)));
    try {
      await waitUntilListening(child, port, () => log);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    return child;
  };
  const halt = async (process: ChildProcess | undefined): Promise<void> => {
    if (!process || process.exitCode !== null) return;
    process.kill('SIGTERM');
    if (process.pid) await waitForExit(process.pid, 5000);
  };
  let child: ChildProcess | undefined = await launch().catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    host: '127.0.0.1',
    port,
    user,
    dir,
    keyFile: join(dir, 'client_ed25519'),
    knownHostsFile: join(dir, 'known_hosts'),
    async halt() {
      await halt(child);
      child = undefined;
    },
    async resume() {
      child ??= await launch();
    },
    async stop() {
      await halt(child);
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
