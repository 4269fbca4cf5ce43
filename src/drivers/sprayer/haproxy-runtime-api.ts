/**
 * A small client for the HAProxy Runtime API (the `stats socket`): one line per connection (one
 * command, or several joined with `;` when they must reach HAProxy together), over a UNIX socket
 * or TCP, with parsers for the answers the sprayer driver reads.
 */
import * as net from 'node:net';
import { sprayerStates, type SprayerState } from './sprayer';

/** Where the Runtime API listens: a UNIX socket path, or a TCP endpoint. */
export type RuntimeApiAddress = string | { host: string; port: number };

/** One row of `show servers state <backend>`. */
export interface ServerStateRow {
  backend: string;
  name: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** srv_admin_state flags (maintenance and drain bits). */
  adminState: number;
  /** srv_uweight: the weight set by configuration or `set weight`. */
  weight: number;
}

/** One `show map` entry. */
export interface MapEntry {
  key: string;
  value: string;
}

/** srv_admin_state bits: forced, inherited, config, resolver and hostname maintenance. */
const maintFlags = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
/** srv_admin_state bits: forced and inherited drain. */
const drainFlags = 0x08 | 0x10;

/** The sprayer state an srv_admin_state value means. */
export function adminStateOf(adminState: number): SprayerState {
  if (adminState & maintFlags) return sprayerStates.maint;
  if (adminState & drainFlags) return sprayerStates.drain;
  return sprayerStates.ready;
}

function columnsOf(header: string): string[] {
  return header.replace(/^#\s*/, '').split(/\s+/).filter(Boolean);
}

/** Parses `show servers state` (format version 1: a version line, a `#` header, then rows). */
export function parseServersState(text: string): ServerStateRow[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const header = lines.find((l) => l.startsWith('#'));
  if (!header) return [];
  const cols = columnsOf(header);
  const at = (fields: string[], col: string) => fields[cols.indexOf(col)] ?? '';
  return lines
    .filter((l) => !l.startsWith('#') && /\s/.test(l))
    .map((l) => l.split(/\s+/))
    .map((f) => ({ backend: at(f, 'be_name'), name: at(f, 'srv_name'), opState: Number(at(f, 'srv_op_state')), adminState: Number(at(f, 'srv_admin_state')), weight: Number(at(f, 'srv_uweight')) }));
}

/** Parses `show stat` CSV into one record per proxy/server line, keyed by column name. */
export function parseStat(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim());
  const header = lines.find((l) => l.startsWith('#'));
  if (!header) return [];
  const cols = header.replace(/^#\s*/, '').split(',');
  return lines.filter((l) => !l.startsWith('#')).map((l) => {
    const fields = l.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, fields[i] ?? '']).filter(([c]) => c));
  });
}

/** Parses `show map <map>`: `<ref> <key> <value>` lines. */
export function parseMap(text: string): MapEntry[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/))
    .filter((f) => f.length >= 3)
    .map((f) => ({ key: f[1] as string, value: f.slice(2).join(' ') }));
}

/**
 * Splits the answer to a `;`-joined line into one answer per command. HAProxy (2.6) runs every
 * command of the line, even after one fails, and ends each command's answer with an empty line,
 * so `a;b` answering nothing is `\n\n`. Answers of the commands sent this way (`set ...`) have no
 * empty lines of their own.
 */
export function splitAnswers(text: string, count: number): string[] {
  const answers: string[] = [];
  let current: string[] = [];
  // Only whole lines count: what follows the last newline is not a line yet.
  for (const line of text.split('\n').slice(0, -1)) {
    if (answers.length === count) break;
    if (line === '') {
      answers.push(current.join('\n'));
      current = [];
    } else current.push(line);
  }
  // A line HAProxy cut short (its connection closed early) leaves commands without an answer.
  if (answers.length < count) throw new Error(`haproxy answered ${answers.length} of ${count} commands: ${JSON.stringify(text)}`);
  return answers;
}

/** The longest line sent at once; HAProxy reads a CLI line into one buffer (16 KiB by default). */
export const maxCommandLine = 8192;

/** Raised when HAProxy answers a command with an error. */
export class RuntimeApiError extends Error {
  constructor(
    readonly command: string,
    readonly answer: string,
  ) {
    super(`haproxy rejected \`${command}\`: ${answer.trim()}`);
    this.name = 'RuntimeApiError';
  }
}

/** Why a connection to the Runtime API failed, in the words an operator acts on. */
const unreachableHints: Record<string, string> = {
  ENOENT: 'no socket at that path (HAProxy not running, or its stats socket elsewhere)',
  ECONNREFUSED: 'connection refused (nothing listens there)',
  EACCES: 'permission denied on the socket',
  ETIMEDOUT: 'the connection timed out',
};

/** Raised when the Runtime API cannot be reached at all: nothing was sent, nothing changed. */
export class RuntimeApiUnreachableError extends Error {
  constructor(
    readonly address: RuntimeApiAddress,
    /** The socket error code, such as ENOENT or ECONNREFUSED. */
    readonly code: string | undefined,
    cause: Error,
  ) {
    const where = typeof address === 'string' ? address : `${address.host}:${address.port}`;
    super(`the haproxy runtime API at ${where} is unreachable: ${(code && unreachableHints[code]) ?? cause.message}`, { cause });
    this.name = 'RuntimeApiUnreachableError';
  }
}

/** The HAProxy Runtime API. */
export class HaproxyRuntimeApi {
  constructor(
    readonly address: RuntimeApiAddress,
    private readonly timeoutMs = 5000,
  ) {}

  /** Sends one command and resolves to HAProxy's whole answer. */
  command(cmd: string): Promise<string> {
    if (/[\n;]/.test(cmd)) return Promise.reject(new Error(`one command at a time: ${JSON.stringify(cmd)}`));
    return this.send(cmd);
  }

  /**
   * Sends several commands on one line (`a;b;c`), so HAProxy runs them one after the other in one
   * request, with no other Runtime API client in between, and resolves to each command's answer.
   */
  async commands(cmds: readonly string[]): Promise<string[]> {
    const bad = cmds.find((c) => /[\n;]/.test(c) || !c.trim());
    if (bad !== undefined) throw new Error(`not a single command: ${JSON.stringify(bad)}`);
    const line = cmds.join(';');
    if (line.length > maxCommandLine) throw new Error(`${cmds.length} commands make a ${line.length}-character line; haproxy reads at most ${maxCommandLine} at once`);
    return splitAnswers(await this.send(line), cmds.length);
  }

  /** Sends commands that answer nothing on success, on one line; throws naming every command that answered something. */
  async changes(cmds: readonly string[]): Promise<void> {
    if (cmds.length === 0) return;
    const answers = await this.commands(cmds);
    const failed = cmds.map((cmd, i) => ({ cmd, answer: answers[i] ?? '' })).filter((a) => a.answer.trim());
    if (failed.length) throw new RuntimeApiError(failed.map((f) => f.cmd).join(';'), failed.map((f) => `${f.cmd}: ${f.answer.trim()}`).join('; '));
  }

  private send(cmd: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = typeof this.address === 'string' ? net.connect(this.address) : net.connect(this.address.port, this.address.host);
      const chunks: Buffer[] = [];
      let connected = false;
      socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`haproxy runtime API: no answer to \`${cmd}\` within ${this.timeoutMs} ms`)));
      socket.on('connect', () => {
        connected = true;
        socket.end(`${cmd}\n`);
      });
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', (err: NodeJS.ErrnoException) => reject(connected ? err : new RuntimeApiUnreachableError(this.address, err.code, err)));
      socket.on('close', (hadError) => {
        if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }

  /** Sends a command that answers nothing on success; any answer is an error. */
  async change(cmd: string): Promise<void> {
    const answer = await this.command(cmd);
    if (answer.trim()) throw new RuntimeApiError(cmd, answer);
  }

  /** `show servers state <backend>`. */
  async serversState(backend: string): Promise<ServerStateRow[]> {
    const answer = await this.command(`show servers state ${backend}`);
    if (!answer.includes('#')) throw new RuntimeApiError(`show servers state ${backend}`, answer);
    return parseServersState(answer).filter((r) => r.backend === backend);
  }

  /** `show stat`. */
  async stat(): Promise<Record<string, string>[]> {
    return parseStat(await this.command('show stat'));
  }

  /** `show map <map>`. */
  async showMap(map: string): Promise<MapEntry[]> {
    const answer = await this.command(`show map ${map}`);
    if (/unknown map/i.test(answer)) throw new RuntimeApiError(`show map ${map}`, answer);
    return parseMap(answer);
  }

  /** `set server <backend>/<server> state <state>`. */
  setServerState(backend: string, server: string, state: SprayerState): Promise<void> {
    return this.change(`set server ${backend}/${server} state ${state}`);
  }

  /** `set server <backend>/<server> state <state>` for each server, in the given order, on one line. */
  setServerStates(backend: string, states: readonly { server: string; state: SprayerState }[]): Promise<void> {
    return this.changes(states.map(({ server, state }) => `set server ${backend}/${server} state ${state}`));
  }

  /** `set weight <backend>/<server> <weight>`. */
  setWeight(backend: string, server: string, weight: number): Promise<void> {
    return this.change(`set weight ${backend}/${server} ${weight}`);
  }

  /** Adds or replaces one map entry. */
  async putMapEntry(map: string, key: string, value: string, exists: boolean): Promise<void> {
    await this.change(exists ? `set map ${map} ${key} ${value}` : `add map ${map} ${key} ${value}`);
  }

  /** Removes one map entry. */
  deleteMapEntry(map: string, key: string): Promise<void> {
    return this.change(`del map ${map} ${key}`);
  }
}
