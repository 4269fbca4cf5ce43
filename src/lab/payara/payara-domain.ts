/**
 * The lab's Payara domain on disk: prepared once per estate shape (create-domain, the deployment
 * groups, the instances with their jvmRoute) into the machine's cache
 * (`~/.cache/turnout/payara-lab/domains/<key>`, shared by every checkout), then copied into each
 * lab dir, and the JVMs of a lab dir found and stopped by their command lines.
 *
 * Preparing costs about a minute (create-domain generates keys; each create-instance runs a local
 * asadmin), so it is done with the DAS stopped at the end and reused while the estate's shape and
 * the Payara release stay the same.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { asadminClientEnv, runAsadmin, type AsadminTarget } from '../../drivers/asadmin/asadmin-cli';
import { machineCacheDir } from '../../paths';
import { isAlive, sleep } from '../process-utils';
import { asadminBin, payaraVersion } from './payara-home';
import { loopbackDomainXml, movedPaths, payaraDomainKey, quickStartDomainXml, withNodeDir, type CdsUse, type PayaraDomainPlan } from './payara-layout';

/** Where prepared domains are kept: `<machine cache>/payara-lab/domains`. */
export function preparedDomainsDir(): string {
  return path.join(machineCacheDir(), 'payara-lab', 'domains');
}

/** How many prepared domains the cache keeps (a few MB each); the least recently made go first. */
const preparedDomainsKept = 4;

function prunePreparedDomains(keep: string): void {
  const root = preparedDomainsDir();
  const entries = readdirSync(root)
    .filter((name) => !name.includes('.tmp-'))
    .map((name) => ({ dir: path.join(root, name), at: statSync(path.join(root, name)).mtimeMs }))
    .filter((e) => e.dir !== keep)
    .sort((a, b) => b.at - a.at);
  for (const e of entries.slice(preparedDomainsKept - 1)) rmSync(e.dir, { recursive: true, force: true });
}

/** The asadmin target of the lab's DAS: loopback, user admin, the empty password. */
export function labAsadminTarget(plan: PayaraDomainPlan, home: string): AsadminTarget {
  return { command: [asadminBin(home)], host: '127.0.0.1', port: plan.adminPort, user: 'admin' };
}

/**
 * The lab's Payara runs at this niceness. The DAS inherits it from the asadmin that starts it, and
 * every instance from the DAS that launches it: on 2 cores a starting JVM would otherwise take the
 * CPU from the lab's other processes and the tests beside it, whose sessions idle out in seconds.
 */
export const payaraNiceness = 10;

/** Runs a local asadmin subcommand (one that needs no running DAS, such as create-domain), at the lab's niceness. */
export function runLocalAsadmin(home: string, args: readonly string[], timeoutMs = 10 * 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('nice', ['-n', String(payaraNiceness), asadminBin(home), '--interactive=false', '--user', 'admin', ...args], { env: asadminClientEnv(process.env), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout.trim());
      const output = `${stdout}${stderr}`.trim().split('\n').filter(Boolean).slice(-4).join(' ');
      reject(new Error(`asadmin ${args[0] ?? ''} failed: ${err.killed ? `timed out after ${timeoutMs} ms` : output || err.message}`));
    });
  });
}

/** Starts the DAS of the domain under `domainDir` and resolves once it answers. */
export async function startDomain(home: string, plan: PayaraDomainPlan, domainDir: string): Promise<void> {
  await runLocalAsadmin(home, ['start-domain', '--domaindir', domainDir, plan.domain]);
}

/** The asadmin calls that shape a new domain, in order; the DAS runs and the instances do not exist yet. */
export function domainShapingCommands(plan: PayaraDomainPlan): string[][] {
  const configs = ['server-config', 'default-config'];
  const heap = (config: string) => (config === 'server-config' ? plan.settings.dasHeapMb : plan.settings.instanceHeapMb);
  return [
    ...configs.flatMap((config) => [
      // Active session counts need web-container monitoring before any traffic; enable-monitoring fails on JDK 17.
      ['set', `configs.config.${config}.monitoring-service.module-monitoring-levels.web-container=HIGH`],
      // Requests in flight per instance (the quiesce in the servers) come from the thread pools' and listeners' monitoring.
      ['set', `configs.config.${config}.monitoring-service.module-monitoring-levels.thread-pool=HIGH`],
      ['set', `configs.config.${config}.monitoring-service.module-monitoring-levels.http-service=HIGH`],
      // Seed 000's session store: sessions written to the instance's store when it stops, read back when it starts.
      ['set', `configs.config.${config}.availability-service.web-container-availability.persistence-type=file`],
      // The embedded JMS broker would listen on every interface, and nothing in the lab uses it.
      ['set', `configs.config.${config}.jms-service.type=DISABLED`],
      // Idle sessions are reaped within seconds (the default is a minute), so drains see them end.
      ['set', `configs.config.${config}.web-container.session-config.session-manager.manager-properties.reap-interval-in-seconds=2`],
      ['delete-jvm-options', '--target', config, '-Xmx512m'],
      // C1 only and one GC thread: about half the CPU to start on 2 cores, and a smaller footprint.
      ['create-jvm-options', '--target', config, `-Xmx${heap(config)}m:-XX\\:TieredStopAtLevel=1:-XX\\:+UseSerialGC`],
      // Hazelcast binds every interface unless told not to, whatever interface it is given.
      ['create-jvm-options', '--target', config, '-Dhazelcast.socket.bind.any=false'],
    ]),
    ...plan.groups.map((group) => ['create-deployment-group', group]),
    ...plan.instances.flatMap((i) => [
      ['create-instance', '--node', plan.node, '--portbase', String(i.portBase), '--deploymentgroup', i.group, i.name],
      ['create-jvm-options', '--target', `${i.name}-config`, `-DjvmRoute=${i.jvmRoute}`],
      ['create-system-properties', '--target', i.name, `HZ_LISTENER_PORT=${i.hazelcastPort}`],
    ]),
  ];
}

/**
 * Every running process of one lab's Payara (DAS, instances, asadmin clients working on it),
 * found by the lab's Payara folder in its command line: pid files are gone after a crash.
 */
export function payaraProcesses(payaraDir: string): number[] {
  const needle = `${path.resolve(payaraDir)}/`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').some((arg) => arg.includes(needle))) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/**
 * Stops every process of one lab's Payara: SIGTERM (Payara shuts down in its shutdown hook, well
 * under a second when idle), then SIGKILL for whatever is left after `graceMs`. Resolves to the pids
 * it signalled, and those it had to kill.
 */
export async function stopPayaraProcesses(payaraDir: string, graceMs = 15_000): Promise<{ pids: number[]; forced: number[] }> {
  const pids = payaraProcesses(payaraDir);
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  const forced = pids.filter(isAlive);
  for (const pid of forced) signal(pid, 'SIGKILL');
  while (pids.some(isAlive) && Date.now() < deadline + 5000) await sleep(100);
  return { pids, forced };
}

/** {@link stopPayaraProcesses}, resolving to the pids it signalled. */
export async function killPayaraProcesses(payaraDir: string, graceMs = 15_000): Promise<number[]> {
  return (await stopPayaraProcesses(payaraDir, graceMs)).pids;
}

function textFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'osgi-cache' || e.name === 'lib' ? [] : textFilesUnder(full);
    return /\.(xml|properties|conf|policy)$/.test(e.name) && statSync(full).size < 4 * 1024 * 1024 ? [full] : [];
  });
}

const originFile = 'prepared-at';

/** Prepares the domain of `plan` from nothing into `dir` (absent), leaving its DAS stopped. */
async function prepareDomain(home: string, plan: PayaraDomainPlan, dir: string, log: (line: string) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, originFile), dir);
  log(`payara: create-domain ${plan.domain} (port base ${plan.dasPortBase})`);
  await runLocalAsadmin(home, ['create-domain', '--domaindir', dir, '--portbase', String(plan.dasPortBase), '--nopassword=true', plan.domain]);
  const xmlPath = path.join(dir, plan.domain, 'config', 'domain.xml');
  // Instances live in the lab dir, not in the shared install's glassfish/nodes.
  writeFileSync(xmlPath, withNodeDir(loopbackDomainXml(readFileSync(xmlPath, 'utf8')), plan.node, path.join(dir, 'nodes')));
  await startDomain(home, plan, dir);
  try {
    const target = labAsadminTarget(plan, home);
    for (const args of domainShapingCommands(plan)) {
      log(`payara: asadmin ${args.join(' ')}`);
      await runAsadmin(target, args);
    }
  } finally {
    await killPayaraProcesses(dir);
  }
  // The DAS's OSGi cache names the install it ran from; without it, the prepared domain fits any
  // install of the release wherever the checkout is (the DAS rebuilds it on its first start).
  rmSync(path.join(dir, plan.domain, 'osgi-cache'), { recursive: true, force: true });
}

/**
 * Puts a fresh copy of the prepared domain of `plan` at `payaraDir` (the lab's domain dir, replaced
 * wholesale), preparing it first when there is none. Any JVM still running from `payaraDir` is
 * stopped first. Resolves to whether a prepared copy was reused.
 */
export async function materializeDomain(home: string, plan: PayaraDomainPlan, payaraDir: string, log: (line: string) => void): Promise<{ reused: boolean }> {
  await killPayaraProcesses(payaraDir);
  const prepared = path.join(preparedDomainsDir(), payaraDomainKey(plan, payaraVersion, domainShapingCommands(plan)));
  const reused = existsSync(path.join(prepared, originFile));
  if (!reused) {
    const temp = `${prepared}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    try {
      await prepareDomain(home, plan, temp, log);
      if (!existsSync(prepared)) renameSync(temp, prepared);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
    prunePreparedDomains(prepared);
  }
  const origin = readFileSync(path.join(prepared, originFile), 'utf8');
  rmSync(payaraDir, { recursive: true, force: true });
  mkdirSync(path.dirname(payaraDir), { recursive: true });
  cpSync(prepared, payaraDir, { recursive: true });
  const target = path.resolve(payaraDir);
  for (const file of textFilesUnder(target)) {
    const text = readFileSync(file, 'utf8');
    if (text.includes(origin)) writeFileSync(file, movedPaths(text, origin, target));
  }
  return { reused };
}

/** Applies the lab's start-up trims ({@link quickStartDomainXml}) to every domain.xml of a lab's domain copy. */
export function trimDomainForLab(payaraDir: string, cds: (config: string) => CdsUse): void {
  for (const file of textFilesUnder(path.resolve(payaraDir)).filter((f) => path.basename(f) === 'domain.xml')) {
    writeFileSync(file, quickStartDomainXml(readFileSync(file, 'utf8'), cds));
  }
}
