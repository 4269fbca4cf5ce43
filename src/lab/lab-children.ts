/**
 * The lab supervisor's children: how each one is started, how to tell that it is ready, and how
 * they are all stopped, app servers the dmgr no longer holds included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allServers, type Estate } from '../model/estate';
import type { AppServerHealth } from './dmgr-api';
import type { LoadBalancerState } from './load-balancer';
import { balancerPaths, labScript, type LabPaths } from './paths';
import { allHttpServers } from './plugin-cfg-initial';
import { isAlive, isListening, requestJson, waitFor, waitForExit } from './process-utils';

/** A child the supervisor started, and how to tell that it is ready. */
export interface LabChild {
  name: string;
  process: ChildProcess;
  log: string;
  ready: () => Promise<boolean>;
}

/** How the lab starts its children: the files they read and the folder they run in. */
export interface LabChildContext {
  estate: Estate;
  paths: LabPaths;
  cwd: string;
}

/** The last lines of a log file, for error messages. */
export function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function spawnChild(ctx: LabChildContext, name: string, args: string[], ready: () => Promise<boolean>, command = process.execPath): LabChild {
  const log = join(ctx.paths.logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(command, args, { cwd: ctx.cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return { name, process: child, log, ready };
}

const okStatus = (url: string) => () => requestJson(url, 'GET', undefined, 1000).then((r) => r.status === 200);

/** `--parent-pid <this process>`: every lab child exits when the lab process goes away. */
const guard = () => ['--parent-pid', String(process.pid)];

function nodeArgs(ctx: LabChildContext, script: string, extra: string[] = []): string[] {
  return [labScript(script), '--estate', ctx.paths.estate, ...extra, ...guard()];
}

/**
 * The dmgr. Its app servers guard on the same lab pid, so they outlive it; a dmgr started again
 * adopts them. Ready once it answers `/health` (after adopting or starting its servers).
 */
export function startDmgrChild(ctx: LabChildContext): LabChild {
  if (ctx.estate.appServer.driver !== 'lab') throw new Error('the lab dmgr needs appServer.driver "lab"');
  return spawnChild(ctx, 'dmgr', nodeArgs(ctx, 'dmgr'), okStatus(`${ctx.estate.appServer.adminUrl}/health`));
}

/**
 * HAProxy in master-worker mode (`-W`), in the foreground (`-db`), under a child guard that
 * passes SIGUSR2 on to the master: a reload is a real HAProxy reload (a new worker reading the
 * configuration; the old one finishes its requests), and the master stays the one child to stop.
 */
function startHaproxyChild(ctx: LabChildContext, haproxyBin: string): LabChild {
  const sprayer = ctx.estate.sprayer;
  if (!sprayer) throw new Error(`estate ${ctx.estate.name} has no sprayer`);
  const listeners = [sprayer.listen, ...(sprayer.testListen ? [sprayer.testListen] : [])];
  const args = [labScript('child-guard'), ...guard(), '--', haproxyBin, '-W', '-db', '-f', ctx.paths.haproxyCfg];
  const ready = async () => (await Promise.all(listeners.map(({ host, port }) => isListening(host, port, 500)))).every(Boolean);
  return spawnChild(ctx, 'haproxy', args, ready);
}


/**
 * The estate's load balancers, one process each. They start after the app servers answer, and are
 * ready once every instance their health checkers watch was checked: a balancer that checked an
 * app server still starting would keep it out of routing until its next check.
 */
export function startBalancerChildren(ctx: LabChildContext): LabChild[] {
  return (ctx.estate.loadBalancers?.balancers ?? []).map((b) => {
    // Fails early, in the lab, for a balancer whose file is not local.
    balancerPaths(ctx.estate, b, ctx.cwd);
    const ready = async () => {
      const res = await requestJson<LoadBalancerState>(`http://127.0.0.1:${b.listen.port}/__lb/state`, 'GET', undefined, 1000).catch(() => undefined);
      return res?.status === 200 && res.body.healthChecked;
    };
    return spawnChild(ctx, b.name, nodeArgs(ctx, 'load-balancer', ['--balancer', b.name]), ready);
  });
}

/** Starts every child of the estate's lab: naming, dmgr, one web tier per HTTP server, HAProxy. */
export function startLabChildren(ctx: LabChildContext, haproxyBin: string | undefined): LabChild[] {
  const { estate } = ctx;
  const children: LabChild[] = [];
  if (estate.naming?.driver === 'lab' && estate.naming.url) children.push(spawnChild(ctx, 'naming', nodeArgs(ctx, 'naming-service'), okStatus(`${estate.naming.url}/health`)));
  if (estate.appServer.driver === 'lab') children.push(startDmgrChild(ctx));
  for (const { httpServer: h } of allHttpServers(estate)) {
    const listeners = [h.port, ...(h.testPort ? [h.testPort] : [])];
    const ready = async () => (await Promise.all(listeners.map((p) => okStatus(`http://${h.host}:${p}/__lab/health`)()))).every(Boolean);
    children.push(spawnChild(ctx, h.name, nodeArgs(ctx, 'web-tier', ['--name', h.name]), ready));
  }
  if (estate.sprayer && haproxyBin) children.push(startHaproxyChild(ctx, haproxyBin));
  return children;
}

/** Whether a child has exited. */
export function hasExited(child: LabChild): boolean {
  return child.process.exitCode !== null || child.process.signalCode !== null;
}

/**
 * How long a lab child may take to become ready. Seconds when the machine is idle; far more on 2
 * cores while a Payara domain starts beside it (three JVMs writing their OSGi caches).
 */
const readyLimitMs = 90_000;

/** Resolves once `child` is ready; throws with the tail of its log if it exits or takes longer than {@link readyLimitMs}. */
export async function waitUntilReady(child: LabChild): Promise<void> {
  await waitFor(
    async () => {
      if (hasExited(child)) throw new Error('exited');
      return child.ready();
    },
    readyLimitMs,
    `${child.name} did not become ready within ${readyLimitMs / 1000} s`,
  ).catch((err: unknown) => {
    const why = hasExited(child) ? `${child.name} exited (code ${child.process.exitCode ?? child.process.signalCode})` : (err as Error).message;
    throw new Error(`lab: ${why}; log ${child.log}:\n${tail(child.log)}`);
  });
}

/** Stops one child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: LabChild, graceMs: number): Promise<void> {
  const pid = child.process.pid;
  if (pid === undefined || hasExited(child)) return;
  child.process.kill('SIGTERM');
  await waitForExit(pid, graceMs);
}

/** Stops the children front to back: the sprayer first, so nothing new arrives while the rest stops. */
export async function stopChildren(children: readonly LabChild[]): Promise<void> {
  for (const child of [...children].reverse()) await stopChild(child, child.name === 'dmgr' ? 10_000 : 5000);
}

/**
 * Stops the app servers no dmgr holds any more: those left running when the dmgr was killed (or
 * is down) answer at their ports with their pid. A stopped dmgr stops the ones it holds itself.
 */
export async function stopStrayAppServers(estate: Estate): Promise<void> {
  await Promise.all(
    allServers(estate).map(async ({ server }) => {
      const res = await requestJson<AppServerHealth>(`http://${server.host}:${server.port}/__lab/health`, 'GET', undefined, 1000).catch(() => undefined);
      const pid = res?.status === 200 && res.body.server === server.name ? res.body.pid : undefined;
      if (pid === undefined || !isAlive(pid)) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      await waitForExit(pid, 5000);
    }),
  );
}
