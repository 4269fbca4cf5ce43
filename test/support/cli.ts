/** Runs the `turnout` CLI in-process and captures what it prints. */
import { main } from '../../src/cli/main';

/** What one CLI run printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `turnout ...args` in-process (fast: no child process, no build needed). */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  const spyOut = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const spyErr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  Object.assign(process.env, env);
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'turnout', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    spyOut.mockRestore();
    spyErr.mockRestore();
    process.env = saved;
    process.exitCode = undefined;
  }
}
