/**
 * A small client for the domain admin server's REST interface (`/management/domain/...` and
 * `/monitoring/domain/...`), which GlassFish and Payara Server serve on the admin port.
 *
 * Why beside `runAsadmin`: every asadmin call starts a client JVM (1–4 s here, more under load),
 * while one REST call answers in tens of milliseconds. Reads, `set`, `enable`/`disable` and
 * `start-instance`/`stop-instance` go through REST; deployment stays with the CLI, which uploads the
 * archive. The REST interface runs the same admin commands as the CLI (its answers carry the
 * `commandLog`), so a write through either has the same effect.
 *
 * Authentication is HTTP basic with the password from the same place as the CLI's (an environment
 * variable or a file); the header is built per call and never logged, and error messages never
 * carry it.
 */
import http from 'node:http';
import { passwordOf } from './asadmin-cli';

/** Where the DAS is and who asks it (the estate's `appServer` for driver `asadmin`). */
export interface AsadminRestTarget {
  adminUrl: string;
  user: string;
  passwordEnv?: string;
  passwordFile?: string;
}

/** A REST call that did not succeed: HTTP status, or the admin command's `exit_code` FAILURE. */
export class AsadminRestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AsadminRestError';
  }
}

/** The parts of a REST answer this driver reads. */
export interface RestAnswer {
  message?: string;
  exit_code?: string;
  extraProperties?: Record<string, unknown> & { entity?: Record<string, unknown>; childResources?: Record<string, string> };
  children?: { message?: string }[];
}

/** The REST client of one DAS. */
export interface AsadminRest {
  /** GETs a `/management/domain/...` or `/monitoring/domain/...` path (query included). */
  get(path: string, timeoutMs?: number): Promise<RestAnswer>;
  /** POSTs an admin command with its parameters (the operand as `DEFAULT`); throws when it fails. */
  command(path: string, params: Record<string, string>, timeoutMs?: number): Promise<RestAnswer>;
  /** `asadmin get <pattern>` through REST: dotted names to values. */
  getDotted(pattern: string): Promise<Map<string, string>>;
  /** `asadmin set name=value` through REST. */
  set(name: string, value: string): Promise<void>;
  readonly adminUrl: string;
}

/** Encodes each segment of a REST path (application names hold `:`, instance names are plain). */
export function restPath(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

/**
 * The dotted names and values of a REST `get` answer: each child's message is `name=value`.
 * Pure, so unit-tested.
 */
export function parseDotted(answer: RestAnswer): Map<string, string> {
  const out = new Map<string, string>();
  for (const child of answer.children ?? []) {
    const text = child.message ?? '';
    const eq = text.indexOf('=');
    if (eq > 0) out.set(text.slice(0, eq), text.slice(eq + 1));
  }
  return out;
}

/** One instance as `list-instances` reports it through REST. */
export interface ListedInstance {
  name: string;
  /** RUNNING, NOT_RUNNING, ... as Payara says it. */
  status: string;
  /** Changes waiting for a restart (dynamic reconfiguration off, say). */
  restartReasons: string[];
  /** The JVM's pid, from the long listing's table; null when not running or not listed. */
  pid: number | null;
}

/** Whether a `list-instances` status is a running JVM (REQUIRES_RESTART runs, with changes waiting). */
export function isRunningStatus(status: string): boolean {
  return status === 'RUNNING' || status === 'REQUIRES_RESTART';
}

/**
 * The instances of a REST `list-instances --long` answer: names, statuses and restart reasons from
 * `instanceList`, pids from the table in `message` (the structured list has none). Pure, so unit-tested.
 */
export function parseInstanceList(answer: RestAnswer): ListedInstance[] {
  const list = answer.extraProperties?.['instanceList'];
  if (!Array.isArray(list)) return [];
  const pids = new Map<string, number>();
  for (const line of (answer.message ?? '').split('\n')) {
    const [name, , , pid] = line.trim().split(/\s+/);
    if (name && pid && /^\d+$/.test(pid)) pids.set(name, Number(pid));
  }
  return list.flatMap((raw: unknown) => {
    const item = raw as { name?: unknown; status?: unknown; restartReasons?: unknown };
    if (typeof item.name !== 'string') return [];
    const status = typeof item.status === 'string' ? item.status : 'UNKNOWN';
    const reasons = Array.isArray(item.restartReasons) ? item.restartReasons.filter((r): r is string => typeof r === 'string') : [];
    return [{ name: item.name, status, restartReasons: reasons, pid: isRunningStatus(status) ? (pids.get(item.name) ?? null) : null }];
  });
}

/** A monitoring statistic's `current` (or `count`) from a `/monitoring/domain/...` answer; null when absent. */
export function monitoringFigure(answer: RestAnswer, statistic: string): number | null {
  const stat = answer.extraProperties?.entity?.[statistic] as { current?: unknown; count?: unknown } | undefined;
  const value = stat?.current ?? stat?.count;
  return typeof value === 'number' ? value : null;
}

function send(url: string, method: string, auth: string, body: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { accept: 'application/json', 'x-requested-by': 'turnout', authorization: auth };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = http.request(url, { method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The REST client of the DAS named by `target`. The default timeout is long because the DAS's first
 * REST call after a start loads the REST interface (more than 15 s on a loaded 2-core machine).
 */
export function createAsadminRest(target: AsadminRestTarget, defaultTimeoutMs = 60_000): AsadminRest {
  const base = target.adminUrl.replace(/\/+$/, '');
  const call = async (path: string, method: string, params: Record<string, string> | undefined, timeoutMs: number): Promise<RestAnswer> => {
    const url = `${base}${path.startsWith('/') ? '' : '/'}${path}`;
    const auth = `Basic ${Buffer.from(`${target.user}:${await passwordOf(target)}`).toString('base64')}`;
    const res = await send(url, method, auth, params ? JSON.stringify(params) : undefined, timeoutMs);
    let answer: RestAnswer;
    try {
      answer = (res.text ? JSON.parse(res.text) : {}) as RestAnswer;
    } catch {
      throw new AsadminRestError(`${method} ${url}: HTTP ${res.status}, not JSON: ${res.text.slice(0, 200)}`, res.status);
    }
    if (res.status < 200 || res.status >= 300 || answer.exit_code === 'FAILURE') {
      throw new AsadminRestError(`${method} ${url}: HTTP ${res.status}: ${(answer.message ?? res.text).slice(0, 300)}`, res.status);
    }
    return answer;
  };
  return {
    adminUrl: base,
    get: (path, timeoutMs = defaultTimeoutMs) => call(path, 'GET', undefined, timeoutMs),
    command: (path, params, timeoutMs = defaultTimeoutMs) => call(path, 'POST', params, timeoutMs),
    getDotted: async (pattern) => {
      try {
        return parseDotted(await call(`/management/domain/get?pattern=${encodeURIComponent(pattern)}`, 'GET', undefined, defaultTimeoutMs));
      } catch (err) {
        // A wildcard that matches nothing (no application-ref anywhere yet) is an error to Payara, an empty answer here.
        if (err instanceof AsadminRestError && /Dotted name path .* not found/.test(err.message)) return new Map();
        throw err;
      }
    },
    // The REST `set` takes each body key as the dotted name and its value as the value.
    set: async (name, value) => void (await call('/management/domain/set', 'POST', { [name]: value }, defaultTimeoutMs)),
  };
}
