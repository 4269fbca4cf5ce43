/**
 * Faults injected into a running lab, reproducing what goes wrong in production while a rollout
 * or a rollback runs: the deployment manager going away (its app servers keep serving), the
 * sprayer reloaded under traffic (its runtime state back to the configuration's), the sprayer's
 * Runtime API unreachable (HAProxy still serving), an app server dying behind the dmgr's back, and
 * the dmgr answering HTTP errors (a few times, or until cleared).
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import type { AppServerHealth, DmgrFault, DmgrFaultState } from './dmgr-api';
import { dmgrFaultPath } from './dmgr-fault';
import { HaproxyRuntimeApi } from '../drivers/sprayer/haproxy-runtime-api';
import { allServers } from '../model/estate';
import { hasExited, startDmgrChild, tail, waitUntilReady, type LabChild, type LabChildContext } from './lab-children';
import { resolveFrom } from './paths';
import { isAlive, isListening, requestJson, waitFor, waitForExit } from './process-utils';
import type { RuntimeApiRelay } from './runtime-api-relay';

/** Faults to inject into a running lab. Each resolves once the fault (or the repair) is in place. */
export interface LabFaults {
  /**
   * SIGKILLs the dmgr: its admin URL refuses connections, and the app servers keep serving (they
   * guard on the lab, not on the dmgr). Nothing happens if it is down already.
   */
  stopDmgr(): Promise<void>;
  /**
   * Starts the dmgr again on the same state. It adopts the app servers that run (same pids) and
   * starts none; resolves once it answers. Nothing happens if it runs.
   */
  startDmgr(): Promise<void>;
  /**
   * Reloads HAProxy for real (SIGUSR2 to its master): a new worker reads haproxy.cfg and the
   * affinity map file, so server states set at runtime (`drain`, `maint`, weights) and runtime map
   * entries are gone, while the old worker finishes the requests it holds. Resolves once the new
   * worker answers and the old one has exited.
   */
  reloadSprayer(): Promise<void>;
  /**
   * Makes the Runtime API unreachable while HAProxy keeps serving: a UNIX socket is renamed away
   * (`<socket>.cut`); a TCP endpoint's relay stops listening (see `runtime-api-relay.ts`).
   */
  cutRuntimeApi(): Promise<void>;
  /** Makes the Runtime API reachable again; resolves once it answers. */
  restoreRuntimeApi(): Promise<void>;
  /** SIGKILLs one app server behind the dmgr's back: the dmgr then reports it stopped. */
  killServer(name: string): Promise<void>;
  /**
   * Makes the dmgr answer its admin calls with `fault.status` and `{error: fault.message}`: the next
   * `fault.count` calls, or every one until {@link LabFaults.healDmgr} (of `fault.method` only, when
   * given). The dmgr keeps running; a dmgr started again by `startDmgr` has no fault.
   */
  failDmgr(fault: DmgrFault): Promise<DmgrFaultState>;
  /** Clears the dmgr's fault; resolves to how many calls it failed. */
  healDmgr(): Promise<DmgrFaultState>;
  /** The dmgr's fault now, and how many calls it failed. */
  dmgrFault(): Promise<DmgrFaultState>;
}

/** What the faults act on: the running lab's children (the list and pids are updated in place). */
export interface LabFaultTarget {
  ctx: LabChildContext;
  children: LabChild[];
  pids: Record<string, number>;
  /** The TCP Runtime API relay, for estates whose Runtime API is TCP. */
  relay: RuntimeApiRelay | undefined;
  stopped(): boolean;
}

/** The UNIX socket path the estate names for the Runtime API, and where a cut puts it. */
export function runtimeApiSocketPaths(ctx: LabChildContext): { path: string; cut: string } | undefined {
  const socket = ctx.estate.sprayer?.adminSocket;
  if (typeof socket !== 'string') return undefined;
  const path = resolveFrom(ctx.cwd, socket);
  return { path, cut: `${path}.cut` };
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

class Faults implements LabFaults {
  constructor(private readonly lab: LabFaultTarget) {}

  private child(name: string): LabChild {
    if (this.lab.stopped()) throw new Error('the lab is stopped');
    const child = this.lab.children.find((c) => c.name === name);
    if (!child) throw new Error(`this lab has no ${name}`);
    return child;
  }

  async stopDmgr(): Promise<void> {
    const dmgr = this.child('dmgr');
    const pid = dmgr.process.pid;
    if (pid === undefined || hasExited(dmgr)) return;
    dmgr.process.kill('SIGKILL');
    await waitForExit(pid, 5000);
    const admin = new URL(this.adminUrl());
    await waitFor(async () => !(await isListening(admin.hostname, Number(admin.port || 80), 300)), 5000, `the dmgr's admin port ${admin.port} still accepts connections after SIGKILL`);
  }

  private adminUrl(): string {
    const appServer = this.lab.ctx.estate.appServer;
    if (appServer.driver !== 'lab') throw new Error('this lab has no dmgr');
    return appServer.adminUrl;
  }

  async startDmgr(): Promise<void> {
    const old = this.child('dmgr');
    if (!hasExited(old)) return;
    const dmgr = startDmgrChild(this.lab.ctx);
    // Same place in the list, so the lab still stops it after the web tier and before naming.
    this.lab.children[this.lab.children.indexOf(old)] = dmgr;
    this.lab.pids.dmgr = dmgr.process.pid ?? 0;
    await waitUntilReady(dmgr);
  }

  /** The socket HAProxy itself listens on, wherever a cut has put it. */
  private statsSocket(): string {
    if (this.lab.relay) return this.lab.relay.socketPath;
    const paths = runtimeApiSocketPaths(this.lab.ctx);
    if (!paths) throw new Error('this lab has no Runtime API');
    return isSocket(paths.path) ? paths.path : paths.cut;
  }

  private async workerPid(): Promise<number> {
    const info = await new HaproxyRuntimeApi(this.statsSocket(), 2000).command('show info');
    const pid = Number(/^Pid:\s*(\d+)/m.exec(info)?.[1]);
    if (!pid) throw new Error(`haproxy's \`show info\` names no worker pid: ${info.slice(0, 200)}`);
    return pid;
  }

  async reloadSprayer(): Promise<void> {
    const haproxy = this.child('haproxy');
    if (hasExited(haproxy)) throw new Error(`haproxy is not running; log ${haproxy.log}:\n${tail(haproxy.log)}`);
    const before = await this.workerPid();
    // The child guard passes SIGUSR2 on to the HAProxy master, which starts a new worker.
    haproxy.process.kill('SIGUSR2');
    const failed = (what: string) => new Error(`haproxy reload: ${what}; log ${haproxy.log}:\n${tail(haproxy.log)}`);
    await waitFor(async () => (await this.workerPid()) !== before, 10_000, 'no new worker answers the Runtime API within 10 s').catch((err: Error) => {
      throw failed(err.message);
    });
    // Until the old worker has gone, it may still take a Runtime API command, which the new one would never see.
    await waitFor(() => !isAlive(before), 30_000, `the old worker ${before} did not finish within 30 s`).catch((err: Error) => {
      throw failed(err.message);
    });
  }

  async cutRuntimeApi(): Promise<void> {
    this.child('haproxy');
    if (this.lab.relay) return this.lab.relay.close();
    const paths = runtimeApiSocketPaths(this.lab.ctx);
    if (!paths) throw new Error('this lab has no Runtime API');
    if (!isSocket(paths.path) && isSocket(paths.cut)) return;
    renameSync(paths.path, paths.cut);
  }

  async restoreRuntimeApi(): Promise<void> {
    this.child('haproxy');
    if (this.lab.relay) await this.lab.relay.listen();
    else {
      const paths = runtimeApiSocketPaths(this.lab.ctx);
      if (!paths) throw new Error('this lab has no Runtime API');
      // A HAProxy that bound a fresh socket at the path meanwhile keeps it; the cut one is stale then.
      if (isSocket(paths.path)) rmSync(paths.cut, { force: true });
      else if (existsSync(paths.cut)) renameSync(paths.cut, paths.path);
    }
    await waitFor(() => this.workerPid().then(() => true), 5000, 'the Runtime API does not answer after being restored');
  }

  async killServer(name: string): Promise<void> {
    if (this.lab.stopped()) throw new Error('the lab is stopped');
    const found = allServers(this.lab.ctx.estate).find((s) => s.server.name === name);
    if (!found) throw new Error(`no server named ${name} in the estate`);
    const url = `http://${found.server.host}:${found.server.port}/__lab/health`;
    const res = await requestJson<AppServerHealth>(url, 'GET', undefined, 2000).catch(() => undefined);
    if (res?.status !== 200 || res.body.server !== name) throw new Error(`${name} is not running: nothing answers as it at ${url}`);
    process.kill(res.body.pid, 'SIGKILL');
    await waitFor(() => !isAlive(res.body.pid), 5000, `${name} (pid ${res.body.pid}) is still alive after SIGKILL`);
    await waitFor(async () => !(await isListening(found.server.host, found.server.port, 300)), 5000, `${name}'s port ${found.server.port} still accepts connections after SIGKILL`);
  }

  failDmgr(fault: DmgrFault): Promise<DmgrFaultState> {
    return this.faultCall('PUT', fault);
  }

  healDmgr(): Promise<DmgrFaultState> {
    return this.faultCall('DELETE');
  }

  dmgrFault(): Promise<DmgrFaultState> {
    return this.faultCall('GET');
  }

  private async faultCall(method: 'GET' | 'PUT' | 'DELETE', body?: DmgrFault): Promise<DmgrFaultState> {
    this.child('dmgr');
    const url = `${this.adminUrl().replace(/\/+$/, '')}${dmgrFaultPath}`;
    const res = await requestJson<DmgrFaultState & { error?: string }>(url, method, body, 2000);
    if (res.status !== 200) throw new Error(`${method} ${url}: HTTP ${res.status}: ${res.body.error ?? ''}`);
    return res.body;
  }
}

/** The faults of a running lab. */
export function labFaults(target: LabFaultTarget): LabFaults {
  return new Faults(target);
}
