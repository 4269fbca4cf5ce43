/**
 * The Payara part of a lab whose estate names `appServer.driver: "asadmin"`: a domain (the cell)
 * with a DAS, one deployment group per cluster and its instances (jvmRoute = clone ID), the
 * initial version deployed as a versioned application (`<app>:<version>`) under the lab's context
 * root. A dormant cluster's group is created but never started, and nothing is deployed to it.
 * The lab (`lab.ts`) starts it before HAProxy and stops it after.
 *
 * Payara's JVMs are daemons, not children of the lab: they are found and stopped by the lab's
 * domain folder in their command lines (`payara-domain.ts`), so nothing outlives `stop()` or
 * `turnout lab down`, even after a crash of the process that started them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runAsadmin, type AsadminTarget } from '../../drivers/asadmin/asadmin-cli';
import { requestJson } from '../../drivers/http-json';
import type { Estate } from '../../model/estate';
import { labSettings, type LabPaths } from '../paths';
import { isAlive, waitFor } from '../process-utils';
import { buildLabWar, type LabWar, type LabWarSpec } from './lab-war';
import { payaraCds } from './payara-cds';
import { killPayaraProcesses, labAsadminTarget, materializeDomain, payaraProcesses, startDomain, stopPayaraProcesses, trimDomainForLab } from './payara-domain';
import { payaraOsgiSeeds } from './payara-osgi-seeds';
import { ensurePayara } from './payara-home';
import { activeInstances, payaraDomainPlan, type PayaraDomainPlan } from './payara-layout';

/** How long each phase of a lab start took, in milliseconds. */
export interface PayaraStartTimings {
  /** Copying (or first preparing) the domain. */
  domainMs: number;
  /** Whether a prepared domain was reused. */
  reusedDomain: boolean;
  dasStartMs: number;
  warBuildMs: number;
  deployMs: number;
  groupStartMs: number;
  /** From the group start until every instance answered the initial version. */
  instancesReadyMs: number;
  totalMs: number;
}

/** A running Payara domain of the lab. */
export interface PayaraRuntime {
  plan: PayaraDomainPlan;
  home: string;
  /** The lab's domain dir (`create-domain --domaindir`): `<lab dir>/payara`. */
  payaraDir: string;
  /** How turnout's asadmin runner reaches the DAS. */
  asadmin: AsadminTarget;
  /** The initial version's war. */
  war: LabWar;
  timings: PayaraStartTimings;
  /** The JVMs by role (`das`, and each instance's name), read from their pid files. */
  pids(): Record<string, number>;
  /** Stops every JVM of the domain (SIGTERM, then SIGKILL); resolves to the pids it signalled. */
  stop(): Promise<number[]>;
}

/** The lab's domain dir for an estate: `<lab dir>/payara`. */
export function payaraDirOf(paths: Pick<LabPaths, 'dir'>): string {
  return path.join(paths.dir, 'payara');
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The live JVMs of the lab's domain, by role, from the pid files Payara writes. */
export function payaraPids(plan: PayaraDomainPlan, payaraDir: string): Record<string, number> {
  const files: [string, string][] = [
    ['das', path.join(payaraDir, plan.domain, 'config', 'pid')],
    ...plan.instances.map((i): [string, string] => [i.name, path.join(payaraDir, 'nodes', plan.node, i.name, 'config', 'pid')]),
  ];
  const out: Record<string, number> = {};
  for (const [role, file] of files) {
    const pid = existsSync(file) ? readPid(file) : undefined;
    if (pid !== undefined) out[role] = pid;
  }
  return out;
}

/** What one instance answers at `<contextRoot>/hit` on its own port: its version, or undefined. */
export async function instanceVersion(estate: Estate, port: number, timeoutMs = 2000): Promise<string | undefined> {
  const url = `http://127.0.0.1:${port}${labSettings(estate).contextRoot}/hit`;
  const res = await requestJson<{ version?: string }>(url, 'GET', undefined, timeoutMs).catch(() => undefined);
  return res?.status === 200 ? res.body?.version : undefined;
}

/** The spec of the lab application's war of `version` for this estate (`broken` for the build that fails to start). */
export function labWarSpec(estate: Estate, version: string, broken = false): LabWarSpec {
  const settings = labSettings(estate);
  const plan = payaraDomainPlan(estate);
  return { app: settings.app, version, cell: plan.domain, cluster: plan.activeGroups.join(','), sessionIdleSeconds: settings.sessionIdleSeconds, ...(broken ? { broken } : {}) };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const value = await work();
  return [value, Date.now() - started];
}

/**
 * Starts the estate's Payara domain in `<lab dir>/payara` from a fresh copy of its prepared domain,
 * deploys the lab's initial version to the active clusters' deployment groups, starts those groups,
 * and resolves once each of their instances answers that version on its own port. On failure every
 * JVM it started is stopped.
 */
export async function startPayara(estate: Estate, paths: Pick<LabPaths, 'dir'>, log: (line: string) => void = () => undefined): Promise<PayaraRuntime> {
  const started = Date.now();
  const plan = payaraDomainPlan(estate);
  const home = ensurePayara(log);
  const payaraDir = payaraDirOf(paths);
  const settings = labSettings(estate);
  const asadmin = labAsadminTarget(plan, home);
  const cds = payaraCds(home, plan);
  const seeds = payaraOsgiSeeds(home, plan, payaraDir);
  // A JVM recording its class-data-sharing archive writes it as it exits: give it the time.
  const stop = async () => {
    const { pids, forced } = await stopPayaraProcesses(payaraDir, cds.recording ? 60_000 : 15_000);
    for (const line of await cds.commit()) log(`payara: class-data-sharing ${line}`);
    if (forced.length === 0) for (const kind of seeds.keep()) log(`payara: kept the ${kind} OSGi cache as a seed`);
    return pids;
  };
  const active = activeInstances(plan);
  try {
    const [{ reused }, domainMs] = await timed(() => materializeDomain(home, plan, payaraDir, log));
    trimDomainForLab(payaraDir, cds.use);
    const planted = seeds.plant();
    if (planted.length) log(`payara: OSGi caches seeded for ${planted.join(', ')}`);
    log(`payara: domain ${plan.domain} ${reused ? 'copied from its prepared copy' : 'prepared and copied'} in ${domainMs} ms${cds.recording ? '; class-data-sharing archives are recorded this run' : ''}`);
    // The war builds (javac, jar) while the DAS starts.
    const warWork = timed(() => buildLabWar(labWarSpec(estate, settings.initialVersion), path.join(paths.dir, 'wars'), home));
    const [, dasStartMs] = await timed(() => startDomain(home, plan, payaraDir));
    log(`payara: DAS up on 127.0.0.1:${plan.adminPort} in ${dasStartMs} ms`);
    const [war, warBuildMs] = await warWork;
    // Deployed before the groups start: the DAS records it, and each instance loads it as it starts.
    const name = `${settings.app}:${settings.initialVersion}`;
    const [, deployMs] = await timed(async () => {
      for (const group of plan.activeGroups) await runAsadmin(asadmin, ['deploy', '--name', name, '--contextroot', settings.contextRoot, '--target', group, '--enabled=true', war.path]);
    });
    log(`payara: deployed ${name} in ${deployMs} ms`);
    const [, groupStartMs] = await timed(() => Promise.all(plan.activeGroups.map((group) => runAsadmin(asadmin, ['start-deployment-group', group]))));
    log(`payara: deployment groups ${plan.activeGroups.join(', ')} started in ${groupStartMs} ms`);
    const restarted = new Set<string>();
    const [, instancesReadyMs] = await timed(() =>
      waitFor(
        async () => {
          // start-deployment-group can report success for an instance whose JVM never came up: start it alone, once.
          const running = payaraPids(plan, payaraDir);
          for (const i of active.filter((x) => running[x.name] === undefined && !restarted.has(x.name))) {
            restarted.add(i.name);
            log(`payara: ${i.name} is not running after the group start; start-instance ${i.name}`);
            await runAsadmin(asadmin, ['start-instance', i.name]);
          }
          return (await Promise.all(active.map((i) => instanceVersion(estate, i.httpPort)))).every((v) => v === settings.initialVersion);
        },
        5 * 60_000,
        `not every instance answered ${settings.initialVersion} within 5 minutes`,
        500,
      ),
    );
    const timings: PayaraStartTimings = { domainMs, reusedDomain: reused, dasStartMs, warBuildMs, deployMs, groupStartMs, instancesReadyMs, totalMs: Date.now() - started };
    return { plan, home, payaraDir, asadmin, war, timings, pids: () => payaraPids(plan, payaraDir), stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * `turnout lab down`'s safety net for an `asadmin` estate: stops whatever JVM still runs from the
 * lab's domain dir. Resolves to the pids it found.
 */
export async function stopLeftoverPayara(paths: Pick<LabPaths, 'dir'>): Promise<number[]> {
  return killPayaraProcesses(payaraDirOf(paths));
}

/** Whether any JVM (or asadmin client) runs from the lab's domain dir. */
export function payaraRunning(paths: Pick<LabPaths, 'dir'>): number[] {
  return payaraProcesses(payaraDirOf(paths));
}
