/** Exit codes of the `turnout` command (DESIGN, "CLI"). */
export const ExitCode = {
  ok: 0,
  /** A runtime failure: a server unreachable, a process that would not start. */
  failure: 1,
  /** Invalid input; the message names each bad field by JSON path. Nothing was touched. */
  invalidInput: 2,
  /** A conflict or something not found, such as a rollout already running for that target. */
  conflict: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error meant for the person at the terminal: its message is printed as it is, without a
 * stack trace, and the process exits with its code.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
