/**
 * What a running `turnout dev` tells other `turnout` commands: its gRPC address, its Web UI's URL
 * and its lab. One small file per gRPC port under the user's state dir, so two `turnout dev` on
 * different ports (a test run beside a person's) do not overwrite each other, and a command finds
 * the one its `TEMPORAL_ADDRESS` points at.
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isAlive, writeFileAtomic } from '../lab/process-utils';

/** What `turnout dev` records while it runs. */
export const devStateSchema = z.object({
  pid: z.number().int(),
  /** The gRPC address, host:port. */
  address: z.string(),
  namespace: z.string(),
  /** The Web UI (absent when headless). */
  uiUrl: z.string().optional(),
  startedAt: z.string(),
  /** The working directory: relative lab paths resolve against it. */
  cwd: z.string(),
});
/** What `turnout dev` records while it runs. */
export type DevState = z.infer<typeof devStateSchema>;

/** The user's state dir for turnout: `$XDG_STATE_HOME/turnout`, else `~/.local/state/turnout`. */
export function userStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'turnout');
}

const loopback = /^(127\.0\.0\.1|localhost|\[::1\]|::1)$/;

/** The port of a loopback host:port, else undefined (a dev server only listens on loopback). */
function loopbackPort(address: string): number | undefined {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  return at > 0 && loopback.test(address.slice(0, at)) && Number.isInteger(port) ? port : undefined;
}

/** The file of the `turnout dev` serving gRPC on `port`. */
export function devStateFile(port: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userStateDir(env), `dev-${port}.json`);
}

/** Records `state` (temp + rename, read back); returns the file. */
export function writeDevState(state: DevState, env: NodeJS.ProcessEnv = process.env): string {
  const port = loopbackPort(state.address);
  if (port === undefined) throw new Error(`turnout dev: ${state.address} is not a loopback address`);
  const file = devStateFile(port, env);
  const text = `${JSON.stringify(state, null, 2)}\n`;
  writeFileAtomic(file, text);
  if (readFileSync(file, 'utf8') !== text) throw new Error(`turnout dev: ${file} did not read back as written`);
  return file;
}

/** Removes the file if it is still this process's (a later `turnout dev` may have taken the port). */
export function removeDevState(file: string, pid = process.pid): void {
  const state = readStateFile(file);
  if (state?.pid === pid) rmSync(file, { force: true });
}

function readStateFile(file: string): DevState | undefined {
  try {
    return devStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/** The running `turnout dev` serving `address`, or undefined (none, not loopback, or its process is gone). */
export function readDevState(address: string, env: NodeJS.ProcessEnv = process.env): DevState | undefined {
  const port = loopbackPort(address);
  if (port === undefined) return undefined;
  const state = readStateFile(devStateFile(port, env));
  return state && isAlive(state.pid) ? state : undefined;
}

/** The Web UI's base URL: `TURNOUT_UI_URL`, else the UI of the `turnout dev` serving `address`, else the default port. */
export function uiBaseUrl(address: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.TURNOUT_UI_URL || readDevState(address, env)?.uiUrl || 'http://localhost:8233';
  return base.replace(/\/+$/, '');
}
