/**
 * The production topology, run from real parts without Docker (DESIGN, "Temporal server"): a private
 * PostgreSQL cluster, the Temporal server v1.29.1 on it for persistence and visibility with the JWT
 * authorizer, the Temporal UI server, and `turnout worker` processes holding a writer token.
 *
 * The server's configuration is deploy/temporal/server.yaml, the template docker-compose.yml mounts
 * too; the schema and namespace are set up by deploy/temporal/setup.sh, which compose runs as well.
 * `turnout stack up|down` (src/cli/commands/stack.ts) and test/production use this module.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { rolloutSearchAttributeNames } from '../../workflows/search-attributes';
import { packageRoot } from '../paths';
import { isListening, sleep, writeFileAtomic } from '../lab/process-utils';
import { ensureTemporalBinary, type LineLog } from '../temporal/temporal-binary';
import { generateSigningKey, jwksFor, signingKeyFromPem, signToken, tokenRoles, type SigningKey, type TokenRole } from './jwt';
import { startJwksServer, type JwksServer } from './jwks-server';
import { freePorts, freeSmallPorts } from './ports';
import { postgresCluster, type PostgresCluster } from './postgres-cluster';
import { ensureStackBinaries, type StackBinaries } from './stack-binaries';
import { stackProcess, type StackProcess } from './stack-process';

const execFileAsync = promisify(execFile);

/** The templates and setup script shared with docker-compose.yml. */
export const deployDir = (): string => path.join(packageRoot(), 'deploy', 'temporal');

/** Every service in one process; the internal frontend is not among the server's defaults. */
export const serverServices = ['frontend', 'internal-frontend', 'history', 'matching', 'worker'] as const;

/** The server's command line: config `<root>/config/turnout.yaml`, all services. */
export function serverArgs(root: string): string[] {
  return ['--root', root, '--config', 'config', '--env', 'turnout', 'start', ...serverServices.flatMap((s) => ['--service', s])];
}

/** Options for {@link startStack}. */
export interface StackOptions {
  /** The stack's state: PostgreSQL's data, the signing key, tokens, logs. Kept across runs. */
  dir: string;
  namespace?: string;
  /** The public frontend's gRPC port; 0 or absent picks a free one. */
  frontendPort?: number;
  /** The UI's port; 0 picks a free one. */
  uiPort?: number;
  /** Run the Temporal UI server (default true). */
  ui?: boolean;
  /** How many `turnout worker` processes to start (default 2). */
  workers?: number;
  taskQueue?: string;
  estatesDir?: string;
  /** Extra environment for the workers (TURNOUT_WORKFLOW_BUNDLE, LOG_LEVEL). */
  workerEnv?: NodeJS.ProcessEnv;
  log?: LineLog;
}

/** A `turnout worker` process of the stack. */
export interface StackWorker extends StackProcess {
  /** The SDK's default identity, `<pid>@<host>`: what the server records as the worker. */
  identity(): string | undefined;
}

/** How long each part took to come up, in milliseconds. */
export interface StackTimings {
  binariesMs: number;
  postgresMs: number;
  schemaMs: number;
  serverMs: number;
  namespaceMs: number;
  uiMs: number;
  workersMs: number;
  totalMs: number;
}

/** A running stack. */
export interface Stack {
  dir: string;
  namespace: string;
  taskQueue: string;
  /** The public frontend, which needs a token. */
  address: string;
  uiUrl: string | undefined;
  /** Token files (mode 0600) per role. */
  tokenFiles: Record<TokenRole, string>;
  postgres: PostgresCluster;
  server: StackProcess;
  ui: StackProcess | undefined;
  workers: StackWorker[];
  binaries: StackBinaries;
  timings: StackTimings;
  /** The environment a client needs: address, namespace, task queue, token file, plaintext on loopback. */
  clientEnv(role: TokenRole): Record<string, string>;
  /** Starts the server again after a kill; resolves once it answers with the admin token. */
  startServer(): Promise<void>;
  /** Starts one more worker; resolves once it polls. */
  startWorker(): Promise<StackWorker>;
  /** Stops the workers, the UI, the server, then PostgreSQL. */
  stop(): Promise<void>;
}

type Ports = Record<'frontend' | 'frontendHttp' | 'internal' | 'internalHttp' | 'matching' | 'history' | 'worker' | 'mFrontend' | 'mInternal' | 'mMatching' | 'mHistory' | 'mWorker' | 'postgres' | 'ui', number>;

async function choosePorts(opts: StackOptions): Promise<Ports> {
  const names: Array<keyof Ports> = ['frontend', 'frontendHttp', 'internal', 'internalHttp', 'matching', 'history', 'worker', 'mFrontend', 'mInternal', 'mMatching', 'mHistory', 'mWorker', 'postgres', 'ui'];
  const membership = names.filter((n) => n.startsWith('m'));
  const others = names.filter((n) => !n.startsWith('m'));
  const [small, free] = await Promise.all([freeSmallPorts(membership.length), freePorts(others.length)]);
  const ports = Object.fromEntries([...membership.map((n, i) => [n, small[i]!]), ...others.map((n, i) => [n, free[i]!])]) as Ports;
  if (opts.frontendPort) ports.frontend = opts.frontendPort;
  if (opts.uiPort) ports.ui = opts.uiPort;
  return ports;
}

function serverEnv(ports: Ports, pg: PostgresCluster, jwksUrl: string, configDir: string): NodeJS.ProcessEnv {
  // The server reads its settings from this environment through the template; turnout's own
  // TEMPORAL_* client settings must not reach it.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_') && !k.startsWith('TURNOUT_') && !k.startsWith('POSTGRES_')));
  return {
    ...base,
    POSTGRES_SEEDS: pg.host,
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    TEMPORAL_JWT_KEY_SOURCE: jwksUrl,
    TEMPORAL_DYNAMIC_CONFIG: path.join(configDir, 'dynamicconfig', 'turnout.yaml'),
    BIND_ON_IP: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.mFrontend),
    INTERNAL_FRONTEND_GRPC_PORT: String(ports.internal),
    INTERNAL_FRONTEND_HTTP_PORT: String(ports.internalHttp),
    INTERNAL_FRONTEND_MEMBERSHIP_PORT: String(ports.mInternal),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.mMatching),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.mHistory),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.mWorker),
  };
}

/** The stack's signing key, made once and kept (mode 0600) so that tokens survive a restart. */
function loadSigningKey(dir: string): SigningKey {
  const file = path.join(dir, 'jwt', 'signing-key.pem');
  if (existsSync(file)) return signingKeyFromPem(readFileSync(file, 'utf8'));
  const { key, pem } = generateSigningKey();
  writeFileAtomic(file, pem, 0o600);
  return key;
}

function issueTokens(dir: string, key: SigningKey, namespace: string): Record<TokenRole, string> {
  const files = {} as Record<TokenRole, string>;
  for (const role of Object.values(tokenRoles)) {
    files[role] = path.join(dir, 'tokens', `${role}.jwt`);
    writeFileAtomic(files[role], signToken(key, { subject: `turnout-stack-${role}`, role, namespace }), 0o600);
  }
  return files;
}

async function runSetup(step: 'schema' | 'namespace', env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await execFileAsync('sh', [path.join(deployDir(), 'setup.sh'), step], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, maxBuffer: 8 << 20 });
  } catch (err) {
    const out = `${(err as { stderr?: string }).stderr ?? ''}`.trim().split('\n').slice(-4).join(' | ');
    throw new Error(`setup.sh ${step} failed${out ? `: ${out}` : ''}`);
  }
}

async function until<T>(what: string, timeoutMs: number, attempt: () => Promise<T>, explain: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const tail = explain();
      throw new Error(`${what} did not succeed in ${timeoutMs / 1000} s: ${last instanceof Error ? last.message : String(last)}${tail ? `\n${tail}` : ''}`);
    }
    await sleep(250);
  }
}

/** Resolves once the public frontend answers an admin token and knows the search attributes. */
async function waitForFrontend(address: string, namespace: string, adminToken: string, server: StackProcess): Promise<void> {
  await until('the Temporal server (frontend, namespace and search attributes with the admin token)', 90_000, async () => {
    if (!server.pid()) throw new Error('the server process exited');
    const connection = await Connection.connect({ address, apiKey: adminToken, tls: false, connectTimeout: 2_000 });
    try {
      const attrs = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = Object.values(rolloutSearchAttributeNames).filter((n) => !(n in (attrs.customAttributes ?? {})));
      if (missing.length > 0) throw new Error(`search attributes missing: ${missing.join(', ')}`);
      await connection.workflowService.describeNamespace({ namespace });
    } finally {
      await connection.close();
    }
  }, () => server.tail());
}

/** Stops what started, last first; a part that fails to stop does not keep the others up. */
async function runCleanups(cleanups: ReadonlyArray<() => Promise<void>>): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
}

/** Starts the whole stack under `opts.dir`; resolves once every part answers. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const namespace = opts.namespace ?? 'default';
  const taskQueue = opts.taskQueue ?? 'turnout';
  const dir = path.resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  // PostgreSQL runs as its own user when this runs as root: it must be able to reach its folder.
  chmodSync(dir, 0o755);
  const cleanups: Array<() => Promise<void>> = [];
  const timings: StackTimings = { binariesMs: 0, postgresMs: 0, schemaMs: 0, serverMs: 0, namespaceMs: 0, uiMs: 0, workersMs: 0, totalMs: 0 };
  const lap = (key: keyof StackTimings, since: number): number => ((timings[key] = Date.now() - since), Date.now());
  try {
    let t = Date.now();
    const binaries = await ensureStackBinaries({ log });
    const cli = (await ensureTemporalBinary({ log })).path;
    t = lap('binariesMs', t);
    const ports = await choosePorts(opts);

    const postgres = postgresCluster({ dir: path.join(dir, 'postgres'), port: ports.postgres });
    await postgres.init();
    await postgres.start();
    cleanups.push(() => postgres.stop());
    t = lap('postgresMs', t);
    log(`PostgreSQL on 127.0.0.1:${ports.postgres} (${path.join(dir, 'postgres')})`);

    const dbEnv = { POSTGRES_SEEDS: postgres.host, DB_PORT: String(postgres.port), POSTGRES_USER: postgres.user, POSTGRES_PWD: postgres.password };
    await runSetup('schema', { ...dbEnv, TEMPORAL_SQL_TOOL: binaries.sqlTool, TEMPORAL_SCHEMA_DIR: binaries.schemaDir });
    t = lap('schemaMs', t);

    const key = loadSigningKey(dir);
    const jwks: JwksServer = await startJwksServer(jwksFor(key));
    cleanups.push(() => jwks.close());
    const tokenFiles = issueTokens(dir, key, namespace);

    const configDir = path.join(dir, 'temporal', 'config');
    mkdirSync(path.join(configDir, 'dynamicconfig'), { recursive: true });
    copyFileSync(path.join(deployDir(), 'server.yaml'), path.join(configDir, 'turnout.yaml'));
    copyFileSync(path.join(deployDir(), 'dynamicconfig.yaml'), path.join(configDir, 'dynamicconfig', 'turnout.yaml'));
    const server = stackProcess({ name: 'temporal-server', command: binaries.server, args: serverArgs(path.join(dir, 'temporal')), env: serverEnv(ports, postgres, jwks.url, configDir), cwd: dir, logFile: path.join(dir, 'temporal-server.log') });
    server.start();
    cleanups.push(() => server.stop());
    await until('the Temporal server to listen', 60_000, async () => {
      if (!server.pid()) throw new Error('the server process exited');
      if (!(await isListening('127.0.0.1', ports.internal))) throw new Error('not listening yet');
    }, () => server.tail());
    t = lap('serverMs', t);

    const internalAddress = `127.0.0.1:${ports.internal}`;
    await until('the namespace setup', 60_000, () => runSetup('namespace', { TEMPORAL_CLI: cli, TEMPORAL_SETUP_ADDRESS: internalAddress, TEMPORAL_NAMESPACE: namespace, TURNOUT_SEARCH_ATTRIBUTES: Object.values(rolloutSearchAttributeNames).join(' ') }), () => server.tail());
    const address = `127.0.0.1:${ports.frontend}`;
    const adminToken = readFileSync(tokenFiles.admin, 'utf8');
    await waitForFrontend(address, namespace, adminToken, server);
    t = lap('namespaceMs', t);

    let ui: StackProcess | undefined;
    if (opts.ui !== false) {
      const uiDir = path.join(dir, 'ui');
      mkdirSync(path.join(uiDir, 'config'), { recursive: true });
      copyFileSync(path.join(deployDir(), 'ui.yaml'), path.join(uiDir, 'config', 'turnout.yaml'));
      ui = stackProcess({ name: 'temporal-ui', command: binaries.uiServer, args: ['--root', uiDir, '--config', 'config', '--env', 'turnout', 'start'], env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: internalAddress, TEMPORAL_UI_PORT: String(ports.ui), TEMPORAL_DEFAULT_NAMESPACE: namespace }, cwd: uiDir, logFile: path.join(dir, 'temporal-ui.log') });
      ui.start();
      const uiProc = ui;
      cleanups.push(() => uiProc.stop());
      await until('the Temporal UI server', 30_000, async () => {
        if (!(await isListening('127.0.0.1', ports.ui))) throw new Error('not listening yet');
      }, () => uiProc.tail());
    }
    t = lap('uiMs', t);

    const clientEnv = (role: TokenRole): Record<string, string> => ({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TURNOUT_TASK_QUEUE: taskQueue, TURNOUT_API_KEY_FILE: tokenFiles[role], TEMPORAL_TLS: 'false' });
    const workers: StackWorker[] = [];
    let workerSeq = 0;
    const startWorker = async (): Promise<StackWorker> => {
      const env: NodeJS.ProcessEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_') && !k.startsWith('TURNOUT_API_KEY'))), LOG_LEVEL: 'info', ...opts.workerEnv, ...clientEnv(tokenRoles.writer), ...(opts.estatesDir ? { TURNOUT_ESTATES: opts.estatesDir } : {}) };
      const logFile = path.join(dir, `worker-${++workerSeq}.log`);
      const proc = stackProcess({ name: `worker-${workerSeq}`, command: process.execPath, args: [path.join(packageRoot(), 'bin', 'turnout.js'), 'worker'], env, cwd: dir, logFile });
      proc.start();
      const worker: StackWorker = { ...proc, identity: () => (proc.pid() ? `${proc.pid()}@${os.hostname()}` : undefined) };
      await until(`${proc.name} to start`, 90_000, async () => {
        if (!proc.pid()) throw new Error('the worker exited');
        if (!readFileSync(logFile, 'utf8').includes('turnout worker started')) throw new Error('not started yet');
      }, () => proc.tail());
      workers.push(worker);
      return worker;
    };
    await Promise.all(Array.from({ length: opts.workers ?? 2 }, () => startWorker()));
    lap('workersMs', t);
    timings.totalMs = Date.now() - t0;

    return {
      dir,
      namespace,
      taskQueue,
      address,
      uiUrl: ui ? `http://localhost:${ports.ui}` : undefined,
      tokenFiles,
      postgres,
      server,
      ui,
      workers,
      binaries,
      timings,
      clientEnv,
      async startServer() {
        server.start();
        await waitForFrontend(address, namespace, adminToken, server);
      },
      startWorker,
      async stop() {
        await Promise.all(workers.map((w) => w.stop()));
        await runCleanups(cleanups);
      },
    };
  } catch (err) {
    await runCleanups(cleanups);
    throw err;
  }
}
