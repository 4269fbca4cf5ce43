/**
 * The production stack's binaries, built from their Go modules like the Temporal CLI: the Temporal
 * server and its SQL schema tool (go.temporal.io/server v1.29.1) and the Temporal UI server
 * (github.com/temporalio/ui-server/v2 v2.42.1, the version CLI v1.5.1 embeds).
 *
 * They are kept in the machine cache (`~/.cache/turnout/temporal-stack/<name>@<version>/`), not in
 * a checkout's `.tools/`: every clone of the repository (CI makes a clean one per run) shares one
 * build, and a warm machine never links them again. `TURNOUT_STACK_TOOLS` moves the folder.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { machineCacheDir } from '../paths';
import { goInstall, withBuildLock, type LineLog } from '../temporal/go-install';
import { isExecutable, whichSync } from '../temporal/temporal-binary';

/** The parts built from Go modules, with the versions the issue pins. */
export const stackComponents = {
  server: { label: 'the Temporal server', module: 'go.temporal.io/server', pkg: 'go.temporal.io/server/cmd/server', version: 'v1.29.1', binary: 'server' },
  sqlTool: { label: 'the Temporal SQL schema tool', module: 'go.temporal.io/server', pkg: 'go.temporal.io/server/cmd/tools/sql', version: 'v1.29.1', binary: 'sql' },
  uiServer: { label: 'the Temporal UI server', module: 'github.com/temporalio/ui-server/v2', pkg: 'github.com/temporalio/ui-server/v2/cmd/server', version: 'v2.42.1', binary: 'server' },
} as const;
export type StackComponent = keyof typeof stackComponents;

/** Environment variable that moves the stack's build folder. */
export const stackToolsEnv = 'TURNOUT_STACK_TOOLS';

/** The built binaries, and the PostgreSQL schema files of the server's module. */
export interface StackBinaries {
  server: string;
  sqlTool: string;
  uiServer: string;
  /** `schema/postgresql/v12` of the server's module, copied beside the binaries. */
  schemaDir: string;
  /** Build wall time per part built by this call (ms); empty when everything was there. */
  builtMs: Partial<Record<StackComponent, number>>;
}

/** `~/.cache/turnout/temporal-stack`, or `TURNOUT_STACK_TOOLS`. */
export function stackToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env[stackToolsEnv] || path.join(machineCacheDir(env), 'temporal-stack');
}

function componentDir(root: string, name: StackComponent): string {
  const c = stackComponents[name];
  return path.join(root, `${name}@${c.version}`);
}

/** The path a part is (or will be) built to. */
export function componentBinary(root: string, name: StackComponent): string {
  return path.join(componentDir(root, name), stackComponents[name].binary);
}

function schemaDirOf(root: string): string {
  return path.join(componentDir(root, 'server'), 'schema', 'postgresql', 'v12');
}

/** The binaries when all are built already, else undefined. */
export function findStackBinaries(env: NodeJS.ProcessEnv = process.env): StackBinaries | undefined {
  const root = stackToolsDir(env);
  const names = Object.keys(stackComponents) as StackComponent[];
  if (!names.every((n) => isExecutable(componentBinary(root, n))) || !existsSync(path.join(schemaDirOf(root), 'temporal', 'versioned'))) return undefined;
  return { server: componentBinary(root, 'server'), sqlTool: componentBinary(root, 'sqlTool'), uiServer: componentBinary(root, 'uiServer'), schemaDir: schemaDirOf(root), builtMs: {} };
}

/**
 * Finds the stack's binaries, building what is missing with `go install`. A build goes to a
 * temporary folder and is renamed into place, so a killed build never leaves half a binary behind.
 */
export async function ensureStackBinaries(opts: { env?: NodeJS.ProcessEnv; log?: LineLog } = {}): Promise<StackBinaries> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const found = findStackBinaries(env);
  if (found) return found;
  const go = whichSync('go', env);
  if (!go) throw new Error('The production stack is built from Go modules (the Temporal server and UI server), and Go is not installed. Install Go 1.24 or later and run again.');
  const root = stackToolsDir(env);
  const builtMs: StackBinaries['builtMs'] = {};
  await withBuildLock(path.join(root, 'build.lock'), 'the Temporal server stack', log, async () => {
    for (const name of Object.keys(stackComponents) as StackComponent[]) {
      if (isExecutable(componentBinary(root, name))) continue;
      const c = stackComponents[name];
      const tmp = `${componentDir(root, name)}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      builtMs[name] = await goInstall({ go, target: `${c.pkg}@${c.version}`, gobin: tmp, logFile: path.join(root, 'build.log'), label: `${c.label} ${c.version}`, env, log });
      rmSync(componentDir(root, name), { recursive: true, force: true });
      renameSync(tmp, componentDir(root, name));
    }
    if (!existsSync(path.join(schemaDirOf(root), 'temporal', 'versioned'))) copySchema(go, env, root);
  });
  const built = findStackBinaries(env);
  if (!built) throw new Error(`the stack build finished but its binaries are missing under ${root}; see ${path.join(root, 'build.log')}`);
  return { ...built, builtMs };
}

/** Copies the server module's PostgreSQL schema beside the binary, so a cleaned module cache cannot lose it. */
function copySchema(go: string, env: NodeJS.ProcessEnv, root: string): void {
  const c = stackComponents.server;
  const info = JSON.parse(execFileSync(go, ['mod', 'download', '-json', `${c.module}@${c.version}`], { env, cwd: root, encoding: 'utf8' })) as { Dir?: string };
  if (!info.Dir) throw new Error(`go mod download ${c.module}@${c.version} did not name the module's folder`);
  const tmp = `${schemaDirOf(root)}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.dirname(tmp), { recursive: true });
  cpSync(path.join(info.Dir, 'schema', 'postgresql', 'v12'), tmp, { recursive: true });
  rmSync(schemaDirOf(root), { recursive: true, force: true });
  renameSync(tmp, schemaDirOf(root));
}
