/**
 * Reading the configuration files the `plugin-cfg` and `loadbalancer-xml` commands take: a missing
 * or unreadable file and a driver's own error (bad XML, an unknown name) are the person's input to
 * fix, so both become exit 2 with the file named, never a stack trace.
 */
import { readFile } from 'node:fs/promises';
import { CliError, ExitCode } from './exit-codes';

/** Reads `file` as text with `decode` (the encoding its XML declaration names); a missing file is invalid input. */
export async function readConfigFileText(file: string, decode: (bytes: Buffer) => string): Promise<string> {
  try {
    return decode(await readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(err)})`, ExitCode.invalidInput);
  }
}

/** A runner that turns `errorClass` thrown by `run` into exit 2 with `source` in front; other errors pass through. */
export function invalidOn(errorClass: abstract new (...args: never[]) => Error): <T>(source: string, run: () => T) => T {
  return (source, run) => {
    try {
      return run();
    } catch (err) {
      if (err instanceof errorClass) throw new CliError(`${source}: ${err.message}`, ExitCode.invalidInput);
      throw err;
    }
  };
}
