/**
 * Where the lab keeps its files, and how its child processes find their compiled entry points.
 * Relative paths in an estate resolve against the working directory (or `baseDir`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { estateSchema, labSettingsSchema, type Estate, type LabSettings, type LoadBalancer } from '../model/estate';

/** The lab settings of an estate, with defaults for estates that have no `lab` section. */
export function labSettings(estate: Estate): LabSettings {
  return estate.lab ?? labSettingsSchema.parse({});
}

/** Resolves a path from the estate against `baseDir` (default: the working directory). */
export function resolveFrom(baseDir: string | undefined, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
}

/** The files of one lab, all under its lab dir. */
export interface LabPaths {
  dir: string;
  /** The validated estate every child process reads. */
  estate: string;
  /** Written by the detached supervisor (`lab up`): its pid and the URLs. */
  labInfo: string;
  supervisorLog: string;
  dmgrState: string;
  serverStateDir: string;
  namingState: string;
  haproxyDir: string;
  haproxyCfg: string;
  /** HAProxy's own stats socket when the estate's Runtime API is TCP (the lab relays it; see runtime-api-relay.ts). */
  haproxyStatsSocket: string;
  logDir: string;
}

/** The paths of the lab that runs `estate`. */
export function labPaths(estate: Estate, baseDir?: string): LabPaths {
  const dir = resolveFrom(baseDir, labSettings(estate).dir);
  return {
    dir,
    estate: join(dir, 'estate.json'),
    labInfo: join(dir, 'lab.json'),
    supervisorLog: join(dir, 'supervisor.log'),
    dmgrState: join(dir, 'dmgr', 'state.json'),
    serverStateDir: join(dir, 'servers'),
    namingState: join(dir, 'naming', 'bindings.json'),
    haproxyDir: join(dir, 'haproxy'),
    haproxyCfg: join(dir, 'haproxy', 'haproxy.cfg'),
    haproxyStatsSocket: join(dir, 'haproxy', 'runtime-api.sock'),
    logDir: join(dir, 'logs'),
  };
}

/** Where a lab load balancer reads its loadbalancer.xml (local files only) and writes its log (its `log`, else `<lab dir>/<name>/lb.log`). */
export function balancerPaths(estate: Estate, balancer: LoadBalancer, baseDir?: string): { file: string; log: string } {
  if (balancer.file.kind !== 'local') throw new Error(`${balancer.name}: the lab load balancer needs a local loadbalancer.xml`);
  const log = balancer.log ? resolveFrom(baseDir, balancer.log) : join(labPaths(estate, baseDir).dir, balancer.name, 'lb.log');
  return { file: resolveFrom(baseDir, balancer.file.path), log };
}

/** The per-server state file the dmgr writes and the app server reads at start and on reload. */
export function serverStatePath(paths: LabPaths, serverName: string): string {
  return join(paths.serverStateDir, `${serverName}.json`);
}

/**
 * The compiled entry point of a lab process. Under jest this module runs from source, but the
 * children always run the build in dist/.
 */
export function labScript(name: string): string {
  const inDist = __dirname.split(/[\\/]/).includes('dist');
  const dir = inDist ? __dirname : join(resolve(__dirname, '..', '..'), 'dist', 'src', 'lab');
  const script = join(dir, `${name}.js`);
  if (!existsSync(script)) throw new Error(`lab: ${script} is missing; build first with \`npm run build\``);
  return script;
}

/** Reads and validates an estate file written by the supervisor (already validated once). */
export function readEstateFile(path: string): Estate {
  return estateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}
