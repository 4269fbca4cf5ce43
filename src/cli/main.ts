/**
 * The `turnout` command. Each command lives in its own module under `commands/` and registers
 * itself on the program; this file only wires them up and turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { CliError, ExitCode } from './exit-codes';
import { registerCommands } from './commands';
import { packageVersion } from '../paths';

/** Builds the program with every command, or only `command`'s; exported so tests can run commands in-process. */
export function buildProgram(command?: string): Command {
  const program = new Command('turnout')
    .description('Durable, approvable, instantly reversible application rollouts on Temporal.')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program, command);
  return program;
}

/** Runs the CLI with `argv` (as in process.argv) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Options come after the command name, so the first word is the command, if it is one.
  const program = buildProgram(argv.slice(2).find((a) => !a.startsWith('-')));
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CliError) {
    process.stderr.write(`${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    // Help and version are not errors; usage mistakes are invalid input.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    return ExitCode.invalidInput;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`turnout: ${message}\n`);
  if (process.env.TURNOUT_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.failure;
}
