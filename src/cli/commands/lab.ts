/** `turnout lab up|down|status`: the local estate of real processes on 127.0.0.1. */
import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Estate } from '../../model/estate';
import { formatProblems } from '../../model/issues';
import { validateEstate } from '../../model/validate';
import { LabAlreadyRunningError, LabPortConflictError, labDown, labStatus, labUp, type LabStatus } from '../../lab/lab';
import { CliError, ExitCode } from '../exit-codes';
import { registerJavaClients } from './lab-java-clients';
import { formatLabUrls } from '../lab-urls';
import { labPaths } from '../../lab/paths';
import { buildLabWar } from '../../lab/payara/lab-war';
import { labWarSpec } from '../../lab/payara/payara-lab';

/** The package's default lab estate (estates/lab.json), found from the source or the build. */
export function defaultLabEstatePath(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'estates', 'lab.json');
}

/** Reads and validates an estate file for the CLI: not found exits 3, invalid exits 2 with JSON paths. */
export function readEstateForCli(path: string): Estate {
  const file = resolve(path);
  if (!existsSync(file)) throw new CliError(`estate file not found: ${file}`, ExitCode.conflict);
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`, ExitCode.invalidInput);
  }
  const result = validateEstate(input);
  if (!result.ok) throw new CliError(`${file} is not a valid estate:\n${formatProblems(result.problems)}`, ExitCode.invalidInput);
  return result.value;
}

function asCliError(err: unknown): unknown {
  if (err instanceof LabPortConflictError || err instanceof LabAlreadyRunningError) return new CliError(`turnout lab: ${err.message}`, ExitCode.conflict);
  if (err instanceof CliError) return err;
  return new CliError(`turnout lab: ${err instanceof Error ? err.message : String(err)}`, ExitCode.failure);
}

function formatStatus(status: LabStatus): string {
  const head = status.running ? `lab running (${status.owner ?? 'supervisor'} pid ${status.pid}, since ${status.startedAt})` : 'lab not running';
  const listeners = status.listeners.map((l) => `  ${l.up ? 'up  ' : 'down'} ${`${l.host}:${l.port}`.padEnd(22)} ${l.name}`);
  const servers = (status.servers ?? []).map(
    (s) => `  ${s.name.padEnd(10)} ${s.state.padEnd(8)} v${s.version}${s.artifact ? ` (${s.artifact})` : ''} ${s.vhost} sessions ${s.sessions ?? '-'}${s.adopted ? ' (adopted by a restarted dmgr)' : ''}`,
  );
  const sprayer = (status.sprayer?.servers ?? []).map((s) => `  ${s.name.padEnd(12)} ${s.state.padEnd(6)} weight ${s.weight}`);
  return [head, `dir ${status.dir}`, 'listeners:', ...listeners, ...(servers.length ? ['app servers:', ...servers] : []), ...(sprayer.length ? ['sprayer:', ...sprayer] : [])].join('\n');
}

interface EstateOption {
  estate?: string;
}

/** Registers `turnout lab`. */
export function register(program: Command): void {
  const lab = program.command('lab').description('Start, stop and inspect the lab estate: real processes on 127.0.0.1.');
  lab
    .command('up')
    .description('Starts the lab in the background and prints its URLs.')
    .option('--estate <file>', 'estate file (default: the package estates/lab.json)')
    .action(async (opts: EstateOption) => {
      const path = opts.estate ?? defaultLabEstatePath();
      readEstateForCli(path);
      const info = await labUp(path, { log: (line) => process.stderr.write(`${line}\n`) }).catch((err: unknown) => {
        throw asCliError(err);
      });
      process.stdout.write(`lab ${info.estate} is up (supervisor pid ${info.pid})\n${formatLabUrls(info.urls)}\n`);
    });
  lab
    .command('down')
    .description('Stops the lab and checks that no process and no port is left.')
    .option('--estate <file>', 'estate file (default: the package estates/lab.json)')
    .action(async (opts: EstateOption) => {
      const estate = readEstateForCli(opts.estate ?? defaultLabEstatePath());
      const report = await labDown(estate).catch((err: unknown) => {
        throw asCliError(err);
      });
      process.stdout.write(report.wasRunning ? `lab of estate ${estate.name} stopped (supervisor pid ${report.pid}); every lab port is free\n` : `lab of estate ${estate.name} was not running; every lab port is free\n`);
    });
  lab
    .command('status')
    .description('Shows the supervisor, every listener, the app servers and the sprayer routing.')
    .option('--estate <file>', 'estate file (default: the package estates/lab.json)')
    .option('--json', 'print JSON')
    .action(async (opts: EstateOption & { json?: boolean }) => {
      const estate = readEstateForCli(opts.estate ?? defaultLabEstatePath());
      const status = await labStatus(estate).catch((err: unknown) => {
        throw asCliError(err);
      });
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
    });
  lab
    .command('war <version>')
    .description('Builds the lab application of a Payara estate at <version> (javac and jar) and prints the war\'s path, for a request\'s artifact.')
    .option('--estate <file>', 'a Payara estate file (appServer.driver "asadmin"), such as estates/lab-payara.json')
    .option('--broken', 'the build that fails to start, to try a failed rollout')
    .action(async (version: string, opts: EstateOption & { broken?: boolean }) => {
      const estate = readEstateForCli(opts.estate ?? defaultLabEstatePath());
      if (estate.appServer.driver !== 'asadmin') throw new CliError(`$.appServer.driver: estate ${estate.name} is not a Payara estate (its driver is ${estate.appServer.driver}); the lab war is for "asadmin" estates`, ExitCode.invalidInput);
      if (!/^[A-Za-z0-9_.+-]{1,64}$/.test(version)) throw new CliError(`<version>: ${JSON.stringify(version)} is not a version (letters, digits, _ . + - only)`, ExitCode.invalidInput);
      const dir = join(labPaths(estate, process.cwd()).dir, 'wars');
      const war = await buildLabWar(labWarSpec(estate, version, opts.broken ?? false), dir).catch((err: unknown) => {
        throw asCliError(err);
      });
      // A name a request can carry from one build to the next: the built war's name is its content hash.
      const stable = join(dir, `${estate.lab?.app ?? 'app'}-${version}${opts.broken ? '-broken' : ''}.war`);
      copyFileSync(war.path, `${stable}.tmp`);
      renameSync(`${stable}.tmp`, stable);
      process.stdout.write(`${relative(process.cwd(), stable)}\n`);
    });
  registerJavaClients(lab, (path) => readEstateForCli(path ?? defaultLabEstatePath()));
}
