/**
 * Seed 000's session store on Payara Server 6: the web container's `file` persistence.
 *
 * What Payara does (measured on 6.2025.9): with
 * `configs.config.<cfg>.availability-service.web-container-availability.persistence-type=file` and a
 * `<distributable/>` application, each web module gets a PersistentManager with a FileStore in its
 * work folder, `<instance-dir>/generated/jsp/<app>` (`<app>~<version>` for versioned names). It
 * writes every session there as `<id>.session` when the module stops (the instance stops), loads
 * them back when it starts, and swaps a session in from that folder when a request names one it
 * does not hold. It does not write sessions while it runs (its idle backup is hard-wired off). A
 * redeployment that reaches the instance at its restart (dynamic reconfiguration off) empties the
 * work folder before the module starts: that is what loses sessions, and what backup and restore
 * are for.
 *
 * - backup (step 5, instance running and out of the load balancer): copies what the store already
 *   holds into `<instance-dir>/rollingupgrade/<store>` (seed 000's default folder) and leaves a
 *   marker; the stop that follows makes the instance write every live session, and the driver's
 *   stop copies them into the backup before anything starts the instance again. On a stopped
 *   instance, backup copies the written sessions at once.
 * - restore (step 8, after the start, before traffic): copies each saved session into the store of
 *   the version now enabled there, unless the store holds a newer copy; the instance swaps it in at
 *   the session's next request.
 * - reconcile (step 10): for each saved session, takes the newest copy among this instance's store
 *   and backup and the other instances' stores and backups of the same application (sessions an
 *   instance wrote while this one was down), into this instance's store.
 *
 * The instance folders are read and written on this machine: a domain whose instances run on
 * other hosts needs these copies done there (not supported by this driver).
 */
import { copyFile, mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SessionStoreCommand, SessionStoreReport } from './app-server';
import type { AsadminDomain } from './asadmin-domain';

const backupFolder = 'rollingupgrade';
const marker = (app: string) => `.pending-${app.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

/** The store folder names of `app` under `generated/jsp` (`app`, `app~1.1`). Pure. */
export function storeNamesOf(app: string, entries: readonly string[]): string[] {
  return entries.filter((e) => e === app || e.startsWith(`${app}~`)).sort();
}

/** The store folder name of one deployed name: `app:1.1` is kept in `app~1.1`. */
export function storeNameOf(deployedName: string): string {
  return deployedName.replace(/:/g, '~');
}

async function sessionFiles(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return out;
  }
  for (const e of entries.filter((n) => n.endsWith('.session'))) {
    try {
      out.set(e, (await stat(path.join(dir, e))).mtimeMs);
    } catch {
      // Removed meanwhile (the instance swapped it in or expired it): not a copy any more.
    }
  }
  return out;
}

/** Copies the `.session` files of `from` into `to` where `to` lacks them or holds an older copy; how many it copied. */
async function copyNewer(from: string, to: string): Promise<number> {
  const source = await sessionFiles(from);
  if (source.size === 0) return 0;
  await mkdir(to, { recursive: true });
  const target = await sessionFiles(to);
  let copied = 0;
  for (const [name, mtime] of source) {
    if ((target.get(name) ?? -1) >= mtime) continue;
    // Temp + rename: an instance swapping the session in never reads half a file.
    const temp = path.join(to, `.${name}.tmp`);
    await copyFile(path.join(from, name), temp);
    await utimes(temp, new Date(), new Date(mtime));
    await rename(temp, path.join(to, name));
    copied++;
  }
  return copied;
}

/** The file session store of one domain's instances. */
export class PayaraFileSessionStore {
  constructor(private readonly domain: AsadminDomain) {}

  private async folders(instance: string, app: string): Promise<{ dir: string; jsp: string; backup: string; stores: string[] }> {
    const dir = await this.domain.instanceDir(instance);
    const jsp = path.join(dir, 'generated', 'jsp');
    let entries: string[] = [];
    try {
      entries = await readdir(jsp);
    } catch {
      // No module has run yet on this instance.
    }
    return { dir, jsp, backup: path.join(dir, backupFolder), stores: storeNamesOf(app, entries) };
  }

  /** Seed 000 step 5. `live` is the instance's live session count (monitoring), reported while they are still in memory. */
  async backup(cmd: SessionStoreCommand, live: number | null): Promise<SessionStoreReport> {
    const f = await this.folders(cmd.instance, cmd.app);
    await mkdir(f.backup, { recursive: true });
    let copied = 0;
    for (const s of f.stores) copied += await copyNewer(path.join(f.jsp, s), path.join(f.backup, s));
    const running = await this.domain.running(cmd.instance);
    if (running) await writeFile(path.join(f.backup, marker(cmd.app)), `${new Date().toISOString()}\n`);
    const saved = await this.count(f.backup, cmd.app);
    return {
      name: cmd.instance,
      sessions: running ? Math.max(saved, live ?? 0) : saved,
      location: f.backup,
      detail: running
        ? `${copied} session file(s) copied now; the instance holds its live sessions in memory and writes them when it stops, and the driver's stop copies them here`
        : `${copied} session file(s) copied from the stopped instance's store`,
    };
  }

  /** Called by the driver right after it stopped `instance`: completes a pending backup with what the stop wrote. */
  async afterStop(instance: string): Promise<void> {
    const dir = await this.domain.instanceDir(instance);
    const backup = path.join(dir, backupFolder);
    let entries: string[];
    try {
      entries = await readdir(backup);
    } catch {
      return;
    }
    const jsp = path.join(dir, 'generated', 'jsp');
    let stores: string[] = [];
    try {
      stores = await readdir(jsp);
    } catch {
      return;
    }
    for (const pending of entries.filter((e) => e.startsWith('.pending-'))) {
      const app = pending.slice('.pending-'.length);
      for (const s of storeNamesOf(app, stores)) await copyNewer(path.join(jsp, s), path.join(backup, s));
      await rm(path.join(backup, pending), { force: true });
    }
  }

  /** Seed 000 step 8: into the store of the version enabled now. */
  async restore(cmd: SessionStoreCommand, enabledRef: string | null): Promise<SessionStoreReport> {
    const f = await this.folders(cmd.instance, cmd.app);
    if (!enabledRef) throw new Error(`no version of ${cmd.app} is enabled on ${cmd.instance}: nothing to restore the sessions into`);
    const into = path.join(f.jsp, storeNameOf(enabledRef));
    let copied = 0;
    for (const s of await this.backupStores(f.backup, cmd.app)) copied += await copyNewer(path.join(f.backup, s), into);
    return { name: cmd.instance, sessions: await this.count(f.backup, cmd.app), location: into, detail: `${copied} session file(s) copied from ${f.backup}; the others were there already, as new or newer` };
  }

  /** Seed 000 step 10. */
  async reconcile(cmd: SessionStoreCommand, enabledRef: string | null, others: readonly string[]): Promise<SessionStoreReport> {
    const f = await this.folders(cmd.instance, cmd.app);
    if (!enabledRef) throw new Error(`no version of ${cmd.app} is enabled on ${cmd.instance}: nothing to reconcile into`);
    const into = path.join(f.jsp, storeNameOf(enabledRef));
    const mine = new Set<string>();
    for (const s of await this.backupStores(f.backup, cmd.app)) for (const n of (await sessionFiles(path.join(f.backup, s))).keys()) mine.add(n);
    let taken = 0;
    for (const other of others) {
      const o = await this.folders(other, cmd.app);
      const sources = [...o.stores.map((s) => path.join(o.jsp, s)), ...(await this.backupStores(o.backup, cmd.app)).map((s) => path.join(o.backup, s))];
      for (const source of sources) {
        const files = await sessionFiles(source);
        const current = await sessionFiles(into);
        for (const [name, mtime] of files) {
          if (!mine.has(name) || (current.get(name) ?? -1) >= mtime) continue;
          await mkdir(into, { recursive: true });
          await copyFile(path.join(source, name), path.join(into, name));
          taken++;
        }
      }
    }
    return { name: cmd.instance, sessions: mine.size, location: into, detail: `${taken} newer copy(ies) taken from ${others.join(', ') || 'no other instance'}` };
  }

  private async backupStores(backup: string, app: string): Promise<string[]> {
    try {
      return storeNamesOf(app, await readdir(backup));
    } catch {
      return [];
    }
  }

  private async count(backup: string, app: string): Promise<number> {
    const names = new Set<string>();
    for (const s of await this.backupStores(backup, app)) for (const n of (await sessionFiles(path.join(backup, s))).keys()) names.add(n);
    return names.size;
  }
}
