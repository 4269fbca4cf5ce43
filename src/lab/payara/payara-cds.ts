/**
 * Class-data-sharing archives for the lab's Payara JVMs (JDK 17 dynamic archives), kept in the
 * machine's cache per Payara install and JDK: a JVM maps its archive instead of parsing and
 * verifying some 11,000 classes again, which takes about a sixth off an instance's start-up CPU.
 *
 * Nothing extra runs to make them. While an archive is missing, one JVM of its kind (the DAS; the
 * first active instance) records it when it exits; when the lab stops, each recording is checked in
 * a JVM of its own and only then renamed into place. A truncated archive crashes the JVM that maps
 * it (SIGBUS), so no JVM of the lab ever maps an unchecked one. `TURNOUT_PAYARA_CDS=0` turns all of
 * this off.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineCacheDir } from '../../paths';
import { activeInstances, type CdsUse, type PayaraDomainPlan } from './payara-layout';

/** The `java` that asadmin (and so every lab JVM) runs: `AS_JAVA`, `JAVA_HOME`, else the first on PATH. */
function payaraJava(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.AS_JAVA || env.JAVA_HOME;
  const candidates = home ? [path.join(home, 'bin', 'java')] : (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'java'));
  const found = candidates.find((c) => existsSync(c));
  return found ? realpathSync(found) : undefined;
}

/** What an archive is only valid for: the install's path (its class path) and the JDK build (its modules image). */
function cdsKey(home: string, java: string): string {
  const modules = path.join(path.dirname(path.dirname(java)), 'lib', 'modules');
  const image = existsSync(modules) ? statSync(modules) : undefined;
  return createHash('sha256')
    .update(JSON.stringify({ home: path.resolve(home), java, image: image ? [image.size, image.mtimeMs] : null }))
    .digest('hex')
    .slice(0, 16);
}

/** One lab's use of the archives: the options per config, and what its stop does with recordings. */
export interface PayaraCds {
  /** The class-data-sharing options of one config of the domain. */
  use(config: string): CdsUse;
  /** Whether some JVM of this lab records an archive when it exits (its stop should give it time). */
  recording: boolean;
  /** After every JVM of the lab is gone: checks each recording and keeps the good ones. Resolves to what it did. */
  commit(): Promise<string[]>;
}

const off: PayaraCds = { use: () => null, recording: false, commit: async () => [] };

/** Checks an archive in a JVM of its own; a truncated one kills that JVM, not the lab's. */
function archiveIsSound(java: string, home: string, file: string): Promise<boolean> {
  const args = ['-XX:+UnlockDiagnosticVMOptions', '-XX:+AllowArchivingWithJavaAgent', `-XX:SharedArchiveFile=${file}`, '-XX:+VerifySharedSpaces', '-Xshare:on', '-XX:ErrorFile=/dev/null', '-XX:-CreateCoredumpOnCrash', '-cp', path.join(home, 'glassfish', 'modules', 'glassfish.jar'), '-version'];
  return new Promise((resolve) => execFile(java, args, { cwd: os.tmpdir(), timeout: 60_000 }, (err) => resolve(!err)));
}

/** Recordings a lab left behind (stopped by `lab down`'s safety net, or killed) are dropped after a few hours. */
function dropStaleRecordings(dir: string): void {
  for (const name of readdirSync(dir).filter((n) => n.includes('.recording-'))) {
    const file = path.join(dir, name);
    if (Date.now() - statSync(file).mtimeMs > 6 * 3600_000) rmSync(file, { force: true });
  }
}

/**
 * Where what the lab's JVMs learn about one install on one JDK is kept (`<machine cache>/payara-lab/cds/<key>`),
 * or undefined when no JDK is found.
 */
export function payaraStartCacheDir(home: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const java = payaraJava(env);
  return java ? startCacheDirOf(home, java, env) : undefined;
}

function startCacheDirOf(home: string, java: string, env: NodeJS.ProcessEnv): string {
  return path.join(machineCacheDir(env), 'payara-lab', 'cds', cdsKey(home, java));
}

/** The archives for the lab domain of `plan` on the install `home`. */
export function payaraCds(home: string, plan: PayaraDomainPlan, env: NodeJS.ProcessEnv = process.env): PayaraCds {
  const java = payaraJava(env);
  if (env.TURNOUT_PAYARA_CDS === '0' || !java) return off;
  const dir = startCacheDirOf(home, java, env);
  mkdirSync(dir, { recursive: true });
  dropStaleRecordings(dir);
  const token = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const archive = (kind: 'das' | 'instance') => path.join(dir, `${kind}.jsa`);
  const recordings = new Map<string, string>();
  const choose = (kind: 'das' | 'instance', records: boolean): CdsUse => {
    if (existsSync(archive(kind))) return { kind: 'use', file: archive(kind) };
    if (!records) return null;
    const file = `${archive(kind)}.recording-${token}`;
    recordings.set(file, archive(kind));
    return { kind: 'record', file };
  };
  const recorder = activeInstances(plan)[0]?.name;
  const das = choose('das', true);
  const uses = new Map<string, CdsUse>([['server-config', das]]);
  for (const i of plan.instances) uses.set(`${i.name}-config`, choose('instance', i.name === recorder));
  return {
    use: (config) => uses.get(config) ?? null,
    recording: recordings.size > 0,
    async commit() {
      const done: string[] = [];
      for (const [file, final] of recordings) {
        if (!existsSync(file)) continue;
        const sound = await archiveIsSound(java, home, file);
        if (sound && !existsSync(final)) renameSync(file, final);
        rmSync(file, { force: true });
        done.push(`${path.basename(final)}: ${sound ? `recorded (${statSync(final).size} bytes)` : 'recording unsound, dropped'}`);
      }
      return done;
    },
  };
}
