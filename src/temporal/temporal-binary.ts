/**
 * Finding the `temporal` CLI, or building it with Go when it is missing (DESIGN, "Temporal server").
 *
 * Order: `TURNOUT_TEMPORAL_BIN`, `temporal` on PATH, `<package root>/.tools/bin/temporal`. With none
 * of those and Go on PATH, `go install` builds CLI v1.5.1 into `.tools/bin`; later versions carry a
 * `replace` directive that `go install` refuses.
 *
 * Run as a script, `node dist/src/temporal/temporal-binary.js --ensure` prints the binary's path.
 */
import { accessSync, chmodSync, constants, copyFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { machineCacheDir, packageRoot } from '../paths';
import { goInstall, withBuildLock, type LineLog } from './go-install';

/** The CLI version turnout builds; later ones cannot be installed with `go install`. */
export const temporalCliVersion = 'v1.5.1';
/** The Go package `go install` builds. */
export const temporalCliPackage = 'github.com/temporalio/cli/cmd/temporal';
/** Environment variable that points at a `temporal` binary to use. */
export const temporalBinEnv = 'TURNOUT_TEMPORAL_BIN';

export type { LineLog } from './go-install';

/** Where a binary was found, for messages. */
export const binarySources = { env: 'env', path: 'path', tools: 'tools', built: 'built' } as const;
export type BinarySource = (typeof binarySources)[keyof typeof binarySources];

/** A `temporal` binary and where it came from. */
export interface TemporalBinary {
  path: string;
  source: BinarySource;
}

/** Options shared by the lookup functions. */
export interface BinaryOptions {
  env?: NodeJS.ProcessEnv;
  /** The package root that holds `.tools/`; found from this file by default. */
  root?: string;
}

/** `<root>/.tools/bin`, where a built binary goes. */
export function toolsBinDir(root: string = packageRoot()): string {
  return path.join(root, '.tools', 'bin');
}

/** True when `file` is a regular file this process may execute. */
export function isExecutable(file: string): boolean {
  try {
    return statSync(file).isFile() && (accessSync(file, constants.X_OK), true);
  } catch {
    return false;
  }
}

/** Finds `name` on PATH, like `command -v`. */
export function whichSync(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds an existing `temporal` binary, or returns undefined. A `TURNOUT_TEMPORAL_BIN` that does not
 * point at an executable is an error rather than a reason to look elsewhere: the person meant it.
 */
export function findTemporalBinary(opts: BinaryOptions = {}): TemporalBinary | undefined {
  const env = opts.env ?? process.env;
  const fromEnv = env[temporalBinEnv];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${temporalBinEnv}=${fromEnv} is not an executable file`);
    return { path: path.resolve(fromEnv), source: binarySources.env };
  }
  const onPath = whichSync('temporal', env);
  if (onPath) return { path: onPath, source: binarySources.path };
  const tools = path.join(toolsBinDir(opts.root ?? packageRoot()), 'temporal');
  return isExecutable(tools) ? { path: tools, source: binarySources.tools } : undefined;
}

/** Options for {@link ensureTemporalBinary}. */
export interface EnsureOptions extends BinaryOptions {
  /** Progress for a person: the build takes minutes. */
  log?: LineLog;
}

/**
 * Finds the `temporal` binary, building it with `go install` when there is none. Two callers at once
 * share one build: the second waits on the lock file and then uses what the first built.
 */
export async function ensureTemporalBinary(opts: EnsureOptions = {}): Promise<TemporalBinary> {
  const found = findTemporalBinary(opts);
  if (found) return found;
  const env = opts.env ?? process.env;
  const go = whichSync('go', env);
  const root = opts.root ?? packageRoot();
  await buildUnderLock(go, root, env, opts.log ?? (() => undefined));
  const built = findTemporalBinary({ ...opts, root });
  if (!built) throw new Error(`go install finished but ${path.join(toolsBinDir(root), 'temporal')} is missing; see ${buildLogPath(root)}`);
  return { path: built.path, source: binarySources.built };
}

function noGoMessage(): string {
  return [
    'The Temporal CLI (`temporal`) was not found and Go is not installed to build it.',
    `Either set ${temporalBinEnv} to a temporal binary, put \`temporal\` on PATH,`,
    `install Go and run again (turnout builds CLI ${temporalCliVersion} into .tools/bin),`,
    'or, on a machine with internet access, download the Temporal CLI from https://temporal.io/setup/install-temporal-cli.',
  ].join('\n');
}

/** `<root>/.tools/build.log`, the full `go install` output. */
export function buildLogPath(root: string): string {
  return path.join(root, '.tools', 'build.log');
}

/**
 * The machine cache's copy of the CLI (`~/.cache/turnout/temporal-cli/<version>/temporal`): a fresh
 * clone (CI makes one per run) copies it into `.tools/bin` instead of linking it again with Go.
 */
export function machineCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(machineCacheDir(env), 'temporal-cli', temporalCliVersion, 'temporal');
}

/** Copies `from` to `to` through a temp file and a rename, executable. */
function copyExecutable(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  copyFileSync(from, tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, to);
}

async function buildUnderLock(go: string | undefined, root: string, env: NodeJS.ProcessEnv, log: LineLog): Promise<void> {
  await withBuildLock(path.join(root, '.tools', 'build.lock'), 'the Temporal CLI', log, async () => {
    const target = path.join(toolsBinDir(root), 'temporal');
    // Another caller may have finished the build while this one waited for the lock.
    if (isExecutable(target)) return;
    const cached = machineCliPath(env);
    if (isExecutable(cached)) {
      copyExecutable(cached, target);
      log(`Copied the Temporal CLI ${temporalCliVersion} from ${cached}.`);
      return;
    }
    if (!go) throw new Error(noGoMessage());
    await goInstall({ go, target: `${temporalCliPackage}@${temporalCliVersion}`, gobin: toolsBinDir(root), logFile: buildLogPath(root), label: `the Temporal CLI ${temporalCliVersion}`, env, log, cwd: root });
    copyExecutable(target, cached);
  });
}

async function runAsScript(argv: string[]): Promise<void> {
  if (!argv.includes('--ensure')) {
    process.stderr.write('usage: temporal-binary.js --ensure   (prints the path of the temporal binary, building it if needed)\n');
    process.exitCode = 2;
    return;
  }
  const binary = await ensureTemporalBinary({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${binary.path}\n`);
}

if (require.main === module) {
  runAsScript(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
