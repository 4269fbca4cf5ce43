/**
 * A private PostgreSQL cluster for the production stack: Debian's PostgreSQL binaries, a data
 * folder of its own, listening on 127.0.0.1 and a port of its own, never the system's cluster.
 *
 * PostgreSQL refuses to run as root; as root, the cluster runs as the `postgres` user that Debian's
 * package creates, and owns only its own folder.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isExecutable } from '../temporal/temporal-binary';

/** Where Debian installs the server binaries (`/usr/lib/postgresql/<major>/bin`). */
const debianRoot = '/usr/lib/postgresql';

/** Environment variable naming a folder with initdb, pg_ctl and postgres. */
export const pgBinEnv = 'TURNOUT_PG_BIN';

/** The folder holding initdb and pg_ctl: `TURNOUT_PG_BIN`, else the newest Debian major. */
export function findPgBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[pgBinEnv];
  if (fromEnv) return isExecutable(path.join(fromEnv, 'pg_ctl')) ? fromEnv : undefined;
  if (!existsSync(debianRoot)) return undefined;
  const majors = readdirSync(debianRoot).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  return majors.map((m) => path.join(debianRoot, m, 'bin')).find((bin) => isExecutable(path.join(bin, 'pg_ctl')));
}

/** What the Temporal server needs to reach the cluster. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  /** A secret: kept in `<dir>/password` (mode 0600) and passed on only through the environment. */
  password: string;
}

/** A private cluster under `dir`. */
export interface PostgresCluster extends PostgresEndpoint {
  dir: string;
  /** Creates the cluster when its data folder is missing (initdb); the password is made once. */
  init(): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are cut, the cluster shuts down cleanly. */
  stop(): Promise<void>;
  /** Stop then start, on the same port and data. */
  restart(): Promise<void>;
  /** The postmaster's pid, from postmaster.pid; undefined when the cluster is down. */
  pid(): number | undefined;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

function runAsFor(): RunAs {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('PostgreSQL will not run as root, and there is no `postgres` user to run it as (Debian\'s postgresql package creates one).');
  }
}

function run(bin: string, args: string[], as: RunAs, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...as, cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} ${args[0] ?? ''} failed (exit ${code}): ${out.trim().split('\n').slice(-5).join(' | ')}`))));
  });
}

/** Describes the private cluster under `dir` on `port`; nothing runs until `init` and `start`. */
export function postgresCluster(opts: { dir: string; port: number; user?: string; bin?: string }): PostgresCluster {
  const bin = opts.bin ?? findPgBin();
  if (!bin) throw new Error(`PostgreSQL's server binaries were not found under ${debianRoot}/<major>/bin; install them with \`apt-get install -y postgresql\` (\`node scripts/provision.js --tests\` does), or set ${pgBinEnv}.`);
  const as = runAsFor();
  const data = path.join(opts.dir, 'data');
  const sockets = path.join(opts.dir, 'run');
  const passwordFile = path.join(opts.dir, 'password');
  const user = opts.user ?? 'temporal';
  const own = (p: string): void => {
    if (as.uid !== undefined) chownSync(p, as.uid, as.gid ?? as.uid);
  };
  const readPassword = (): string => (existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : '');
  const pgCtl = (...args: string[]): Promise<void> => run(path.join(bin, 'pg_ctl'), [...args, '-D', data], as, opts.dir);

  const cluster: PostgresCluster = {
    dir: opts.dir,
    host: '127.0.0.1',
    port: opts.port,
    user,
    password: readPassword(),
    async init() {
      mkdirSync(sockets, { recursive: true, mode: 0o755 });
      own(opts.dir);
      own(sockets);
      if (existsSync(path.join(data, 'PG_VERSION'))) return;
      if (!readPassword()) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
      own(passwordFile);
      cluster.password = readPassword();
      await run(path.join(bin, 'initdb'), ['-D', data, '-U', user, '--pwfile', passwordFile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--no-sync'], as, opts.dir);
      // Loopback and a socket folder of its own: never the system cluster's port or /var/run/postgresql.
      const conf = [`listen_addresses = '127.0.0.1'`, `port = ${opts.port}`, `unix_socket_directories = '${sockets}'`, 'max_connections = 200', 'shared_buffers = 64MB'].join('\n');
      writeFileSync(path.join(data, 'postgresql.auto.conf'), `${conf}\n`);
      own(path.join(data, 'postgresql.auto.conf'));
    },
    start: () => pgCtl('start', '-w', '-t', '60', '-l', path.join(opts.dir, 'postgres.log'), '-o', `-p ${opts.port}`),
    stop: () => pgCtl('stop', '-m', 'fast', '-w', '-t', '60'),
    async restart() {
      await cluster.stop();
      await cluster.start();
    },
    pid() {
      try {
        const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
  };
  return cluster;
}
