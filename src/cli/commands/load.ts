/**
 * `turnout load`: session-aware load against the lab (or any HTTP target), reporting what a
 * rollout must not do to users: failed requests, lost sessions and version flips, and the seconds in
 * which both editions took new sessions (which some procedures forbid and others allow).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../exit-codes';
import { isHttpUrl, loadDefaults, loadLimits, runLoad, type LoadOptions, type LoadProgress, type LoadReport } from '../../lab/load';

/** The command's flags as commander hands them over: text, before validation. */
export interface LoadCliInput {
  target?: string;
  rate?: string;
  duration?: string;
  requestsPerSession?: string;
  logoutRatio?: string;
  timeout?: string;
  json?: boolean;
  failOnErrors?: boolean;
}

/** Default flag values, as text, the way a person would type them. */
export const loadCliDefaults = {
  target: loadDefaults.target,
  rate: '10',
  duration: '30',
  requestsPerSession: `${loadDefaults.requestsPerSession[0]}-${loadDefaults.requestsPerSession[1]}`,
  logoutRatio: String(loadDefaults.logoutRatio),
  timeout: String(loadDefaults.requestTimeoutMs),
} as const;

/** Each schema key's flag, so that messages name what the person typed. */
const flagOf = {
  target: '--target',
  rate: '--rate',
  duration: '--duration',
  requestsPerSession: '--requests-per-session',
  logoutRatio: '--logout-ratio',
  timeout: '--timeout',
} as const;

const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberText(message: string) {
  return z
    .string()
    .trim()
    .regex(decimal, { message })
    .transform(Number);
}

function positive(max: number) {
  const message = 'must be a positive number';
  return numberText(message).pipe(z.number().positive({ message }).max(max, { message: `must be at most ${max}` }));
}

const rangeText = /^(\d+)(?:\s*-\s*(\d+))?$/;

/** The flags of `turnout load`, from text to typed values. */
export const loadCliSchema = z.object({
  target: z.string().trim().refine(isHttpUrl, { message: 'must be an http:// or https:// URL' }),
  rate: positive(loadLimits.maxRate),
  duration: positive(loadLimits.maxDurationSeconds),
  requestsPerSession: z
    .string()
    .trim()
    .regex(rangeText, { message: 'must be MIN-MAX (or one number), whole numbers from 1' })
    .transform((text): [number, number] => {
      const [, min = '', max] = rangeText.exec(text) ?? [];
      return [Number(min), Number(max ?? min)];
    })
    .refine(([min, max]) => min >= 1 && min <= max && max <= loadLimits.maxRequestsPerSession, {
      message: `must be MIN-MAX with 1 <= MIN <= MAX <= ${loadLimits.maxRequestsPerSession}`,
    }),
  logoutRatio: numberText('must be a number from 0 to 1').pipe(z.number().min(0, { message: 'must be a number from 0 to 1' }).max(1, { message: 'must be a number from 0 to 1' })),
  timeout: z
    .string()
    .trim()
    .regex(/^\d+$/, { message: 'must be a whole number of milliseconds' })
    .transform(Number)
    .pipe(z.int().positive({ message: 'must be a positive whole number of milliseconds' }).max(loadLimits.maxRequestTimeoutMs, { message: `must be at most ${loadLimits.maxRequestTimeoutMs}` })),
  json: z.boolean().default(false),
  failOnErrors: z.boolean().default(false),
});
/** Validated flags of `turnout load`. */
export type LoadCli = z.infer<typeof loadCliSchema>;

/**
 * Validates the flags and turns them into {@link LoadOptions} (without signal or progress).
 *
 * @throws CliError (invalid input) naming every bad flag, one per line.
 */
export function parseLoadCli(input: LoadCliInput): { options: LoadOptions; json: boolean; failOnErrors: boolean } {
  const parsed = loadCliSchema.safeParse({ ...loadCliDefaults, ...definedOnly(input) });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${flagOf[i.path[0] as keyof typeof flagOf] ?? String(i.path[0])}: ${i.message}`);
    throw new CliError(lines.join('\n'), ExitCode.invalidInput);
  }
  const v = parsed.data;
  return {
    options: { target: v.target, rate: v.rate, durationSeconds: v.duration, requestsPerSession: v.requestsPerSession, logoutRatio: v.logoutRatio, requestTimeoutMs: v.timeout },
    json: v.json,
    failOnErrors: v.failOnErrors,
  };
}

function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The report as a person reads it. */
export function renderLoadReport(r: LoadReport): string {
  const l = r.latencyMs;
  const lines = [
    `load ${r.target}: ${r.durationSeconds}s, ${r.requestsPerSecond} req/s`,
    `requests ${r.requests}, failed ${r.failed}${r.failures.length ? ` (${r.failures.map((f) => `${f.reason} x${f.count}`).join(', ')})` : ''}`,
    `sessions ${r.sessions} started, ${r.completedSessions} completed, ${r.lostSessions} lost, ${r.versionFlips} version flips, ${r.mixedEditionSeconds} mixed-edition seconds`,
    `latency ms: p50 ${l.p50}, p95 ${l.p95}, p99 ${l.p99}, max ${l.max}`,
    `versions: ${counts(r.versions)}`,
    `servers: ${counts(r.servers)}`,
    `new sessions by server: ${counts(r.newSessionsByServer)}`,
    `new sessions by version: ${counts(r.newSessionsByVersion)}`,
    `failed by server: ${counts(r.failedByServer)}; lost sessions by server: ${counts(r.lostSessionsByServer)}`,
  ];
  return `${lines.join('\n')}\n`;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(', ') : '-';
}

/**
 * Whether a report breaks the rollout targets: any failed request, lost session or flip.
 * Mixed-edition seconds are not among them: a multi-cell rollout may let both editions take new
 * sessions for a while, so only the procedures that forbid it (an atomic edition rollout) check.
 */
export function reportHasErrors(r: LoadReport): boolean {
  return r.failed > 0 || r.lostSessions > 0 || r.versionFlips > 0;
}

/** Whether not one request succeeded (none issued counts too): the target is wrong or down, and the figures mean nothing. */
export function nothingSucceeded(r: LoadReport): boolean {
  return r.failed >= r.requests;
}

/** The one loud line for a run in which nothing succeeded, naming the most frequent failure. */
export function nothingSucceededLine(r: LoadReport): string {
  const top = r.failures[0];
  const why = r.requests === 0 ? 'no request completed' : `all ${r.requests} requests failed${top ? ` (most: ${top.reason} x${top.count})` : ''}`;
  return `turnout load: NOTHING SUCCEEDED: ${why}; is ${r.target} the right URL, and is it up?`;
}

function progressLine(p: LoadProgress): string {
  return `\r${p.elapsedSeconds.toFixed(0)}s: ${p.requests} requests, ${p.failed} failed, ${p.sessions} sessions, ${p.lostSessions} lost, ${p.versionFlips} flips, ${p.mixedEditionSeconds} mixed s, ${p.activeUsers} users`;
}

/** Runs the load until the duration ends or Ctrl-C, then prints the report either way. */
async function loadAction(input: LoadCliInput): Promise<void> {
  const { options, json, failOnErrors } = parseLoadCli(input);
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  // Once only: a second Ctrl-C falls through to Node's default and ends the process.
  process.once('SIGINT', onInterrupt);
  const live = !json && process.stderr.isTTY === true;
  let report: LoadReport;
  try {
    report = await runLoad({ ...options, signal: stop.signal, ...(live ? { onProgress: (p: LoadProgress) => process.stderr.write(progressLine(p)) } : {}) });
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    if (live) process.stderr.write('\r\x1b[K');
  }
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderLoadReport(report));
  if (nothingSucceeded(report)) throw new CliError(nothingSucceededLine(report), ExitCode.failure);
  if (failOnErrors && reportHasErrors(report)) {
    throw new CliError(`turnout load: ${report.failed} failed request(s), ${report.lostSessions} lost session(s), ${report.versionFlips} version flip(s)`, ExitCode.failure);
  }
}

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('load')
    .description('session-aware load: simulated users with cookie jars; reports failed requests, lost sessions, version flips and mixed-edition seconds')
    .option('--target <url>', 'URL each request goes to (logout goes to `logout` beside it)', loadCliDefaults.target)
    .option('--rate <n>', 'requests per second, overall', loadCliDefaults.rate)
    .option('--duration <s>', 'seconds to issue requests for', loadCliDefaults.duration)
    .option('--requests-per-session <min-max>', 'requests per simulated user', loadCliDefaults.requestsPerSession)
    .option('--logout-ratio <r>', 'share of users who log out at the end (0 to 1)', loadCliDefaults.logoutRatio)
    .option('--timeout <ms>', 'request timeout in milliseconds', loadCliDefaults.timeout)
    .option('--json', 'print the report as JSON (stdout only)')
    .option('--fail-on-errors', 'exit 1 if any request failed, any session was lost or any session flipped versions')
    .action(loadAction);
}
