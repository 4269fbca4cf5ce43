/**
 * The lab application for Payara, built from the Java source beside this file (`app/`) with the
 * JDK's javac and jar against the Payara install's own Servlet API jar.
 *
 * One set of classes serves every version: a war differs only in `WEB-INF/turnout-app.properties`
 * (app, version, cell, cluster, and whether it is a broken build that fails to start, everywhere or on
 * named instances only). Classes are
 * compiled once per source hash into a shared cache; a war is packed once per content hash, so
 * asking again for the same war costs a hash and a stat.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { machineCacheDir, packageRoot } from '../../paths';
import { payaraHome, servletApiJar } from './payara-home';

const run = promisify(execFile);

/** What one war of the lab application carries. */
export interface LabWarSpec {
  app: string;
  version: string;
  /** Baked in for the JSON answer: the domain (the cell). */
  cell: string;
  /** Baked in for the JSON answer: the deployment group (the cluster). */
  cluster: string;
  /** The build whose ServletContextListener throws, so its deployment fails on the server. */
  broken?: boolean;
  /**
   * Instances the application fails to start on (its listener throws there only), as a release
   * that breaks on some members does: seed 003's reset of a member that fails to start.
   */
  brokenOn?: readonly string[];
  /** Idle timeout of the sessions it creates, in seconds (the lab's `sessionIdleSeconds`); web.xml's 30 minutes when absent. */
  sessionIdleSeconds?: number;
}

/** A built war. */
export interface LabWar {
  path: string;
  /** Whether it was there already (nothing compiled or packed). */
  cached: boolean;
  /** The content hash in its name. */
  hash: string;
}

/** Where the Java source, web.xml and glassfish-web.xml are (in the repo; the build does not copy them). */
export function labAppSourceDir(): string {
  return path.join(packageRoot(), 'src', 'lab', 'payara', 'app');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

function sourceHash(source: string, apiJar: string): string {
  const hash = createHash('sha256').update(apiJar);
  for (const file of filesUnder(source)) hash.update(path.relative(source, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/** The properties file that makes a war one version: stable bytes for equal specs. */
export function labAppProperties(spec: LabWarSpec): string {
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  // brokenOn only when given, so the wars of every other spec keep their bytes (and their hash).
  const brokenOn = spec.brokenOn?.length ? [`brokenOn=${escape(spec.brokenOn.join(','))}`] : [];
  return [`app=${escape(spec.app)}`, `version=${escape(spec.version)}`, `cell=${escape(spec.cell)}`, `cluster=${escape(spec.cluster)}`, `broken=${spec.broken === true}`, ...brokenOn, `sessionIdleSeconds=${Math.round(spec.sessionIdleSeconds ?? 0)}`, ''].join('\n');
}

/** The shared cache of compiled classes: `<machine cache>/payara-lab/classes`. */
export function labAppCacheDir(): string {
  return path.join(machineCacheDir(), 'payara-lab', 'classes');
}

async function compiledClasses(source: string, apiJar: string): Promise<{ dir: string; hash: string }> {
  const hash = sourceHash(source, apiJar);
  const dir = path.join(labAppCacheDir(), hash);
  if (existsSync(dir)) return { dir, hash };
  const temp = `${dir}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  const java = filesUnder(path.join(source, 'java')).filter((f) => f.endsWith('.java'));
  // Release 11 keeps the classes loadable by any JDK Payara 6 runs on.
  await run('javac', ['--release', '11', '-nowarn', '-encoding', 'UTF-8', '-cp', apiJar, '-d', temp, ...java]);
  if (existsSync(dir)) rmSync(temp, { recursive: true, force: true });
  else renameSync(temp, dir);
  return { dir, hash };
}

/**
 * Builds (or finds) the war for `spec` in `outDir`, named `<app>-<version>[-broken][-broken-on-<instances>]-<hash>.war`.
 * Needs a JDK (javac, jar) and the Payara install (`home`) for its Servlet API jar.
 */
export async function buildLabWar(spec: LabWarSpec, outDir: string, home = payaraHome()): Promise<LabWar> {
  const source = labAppSourceDir();
  const apiJar = servletApiJar(home);
  if (!existsSync(apiJar)) throw new Error(`the Servlet API jar ${apiJar} is missing: is Payara installed at ${home}?`);
  const classes = await compiledClasses(source, apiJar);
  const properties = labAppProperties(spec);
  const hash = createHash('sha256').update(classes.hash).update(properties).update(readFileSync(path.join(source, 'WEB-INF', 'web.xml'))).update(readFileSync(path.join(source, 'WEB-INF', 'glassfish-web.xml'))).digest('hex').slice(0, 12);
  const safeVersion = spec.version.replace(/[^A-Za-z0-9._-]/g, '_');
  const brokenOn = spec.brokenOn?.length ? `-broken-on-${spec.brokenOn.join('_').replace(/[^A-Za-z0-9._-]/g, '_')}` : '';
  const war = path.join(outDir, `${spec.app}-${safeVersion}${spec.broken ? '-broken' : ''}${brokenOn}-${hash}.war`);
  if (existsSync(war)) return { path: war, cached: true, hash };
  const stage = path.join(outDir, `.stage-${hash}-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  try {
    mkdirSync(path.join(stage, 'WEB-INF', 'classes'), { recursive: true });
    cpSync(classes.dir, path.join(stage, 'WEB-INF', 'classes'), { recursive: true });
    for (const file of ['web.xml', 'glassfish-web.xml']) cpSync(path.join(source, 'WEB-INF', file), path.join(stage, 'WEB-INF', file));
    writeFileSync(path.join(stage, 'WEB-INF', 'turnout-app.properties'), properties);
    const temp = `${war}.tmp-${process.pid}`;
    await run('jar', ['--create', '--no-manifest', '--file', temp, '-C', stage, '.']);
    renameSync(temp, war);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return { path: war, cached: false, hash };
}
