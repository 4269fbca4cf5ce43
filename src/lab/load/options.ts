/**
 * The options of the load generator: defaults, limits, and their validation. Nothing here sends
 * a request, so the CLI can check what a person typed before a run starts.
 */
import { z } from 'zod';
import type { LoadProgress } from './figures';

export const loadDefaults = {
  target: 'http://127.0.0.1:8080/user/hit',
  requestsPerSession: [5, 15] as [number, number],
  logoutRatio: 0.5,
  requestTimeoutMs: 5000,
} as const;

/** Upper bounds that keep a typo (`--rate 1e9`) from turning into a denial of service. */
export const loadLimits = {
  maxRate: 100_000,
  maxDurationSeconds: 7 * 24 * 3600,
  maxRequestsPerSession: 100_000,
  maxRequestTimeoutMs: 600_000,
  maxThinkTimeMs: 3_600_000,
} as const;

/** True for an absolute http:// or https:// URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The data part of {@link LoadOptions}, validated. */
export const loadSettingsSchema = z.object({
  target: z.string().refine(isHttpUrl, { message: 'must be an http:// or https:// URL' }),
  rate: z.number({ error: 'must be a positive number' }).positive({ error: 'must be a positive number' }).max(loadLimits.maxRate, { error: `must be at most ${loadLimits.maxRate}` }),
  durationSeconds: z
    .number({ error: 'must be a positive number' })
    .positive({ error: 'must be a positive number' })
    .max(loadLimits.maxDurationSeconds, { error: `must be at most ${loadLimits.maxDurationSeconds}` }),
  requestsPerSession: z
    .tuple([requestCount(), requestCount()])
    .refine(([min, max]) => min <= max, { message: 'min must not be greater than max' })
    .default(loadDefaults.requestsPerSession),
  logoutRatio: z.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be a number from 0 to 1' }).max(1, { error: 'must be a number from 0 to 1' }).default(loadDefaults.logoutRatio),
  requestTimeoutMs: z
    .int({ error: 'must be a positive whole number of milliseconds' })
    .positive({ error: 'must be a positive whole number of milliseconds' })
    .max(loadLimits.maxRequestTimeoutMs, { error: `must be at most ${loadLimits.maxRequestTimeoutMs}` })
    .default(loadDefaults.requestTimeoutMs),
  thinkTimeMs: z.number({ error: 'must be a number of milliseconds' }).min(0, { error: 'must not be negative' }).max(loadLimits.maxThinkTimeMs).optional(),
});
/** Validated load settings, defaults filled in. */
export type LoadSettings = z.infer<typeof loadSettingsSchema>;

function requestCount() {
  const msg = `must be a whole number from 1 to ${loadLimits.maxRequestsPerSession}`;
  return z.int({ error: msg }).min(1, { error: msg }).max(loadLimits.maxRequestsPerSession, { error: msg });
}

/** What {@link runLoad} takes. */
export interface LoadOptions {
  /** The URL each simulated request goes to, such as `http://127.0.0.1:8080/user/hit`. Logout goes to `logout` beside it. */
  target: string;
  /** Requests per second, overall (all users together). */
  rate: number;
  /** How long new requests are issued. Requests still in flight then are awaited, not cut. */
  durationSeconds: number;
  /** Requests a user makes in one session, drawn uniformly from [min, max]. Default [5, 15]. */
  requestsPerSession?: [number, number];
  /** Share of users who log out at the end; the rest leave their session to idle out. Default 0.5. */
  logoutRatio?: number;
  /** A request that takes longer fails with reason `timeout`. Default 5000. */
  requestTimeoutMs?: number;
  /** Mean think time between a user's requests. By default derived from the duration, at most 1 s. */
  thinkTimeMs?: number;
  /** Stops the run early; requests in flight are abandoned and not counted. */
  signal?: AbortSignal;
  /** Called about once a second while the run lasts. */
  onProgress?: (p: LoadProgress) => void;
}

/** One problem with a load option, by the option's name in {@link LoadOptions}. */
export interface LoadOptionProblem {
  option: string;
  message: string;
}

/** Thrown by {@link runLoad} when an option is invalid; nothing was sent. */
export class LoadOptionsError extends Error {
  constructor(readonly problems: LoadOptionProblem[]) {
    super(problems.map((p) => `${p.option}: ${p.message}`).join('\n'));
    this.name = 'LoadOptionsError';
  }
}

/** Validates the data part of the options, or throws {@link LoadOptionsError}. */
export function parseLoadSettings(opts: LoadOptions): LoadSettings {
  const { signal: _signal, onProgress: _onProgress, ...data } = opts;
  const parsed = loadSettingsSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new LoadOptionsError(parsed.error.issues.map((i) => ({ option: i.path.map(String).join('.') || '(options)', message: i.message })));
}

/**
 * The default mean think time: short enough that a typical session ends a few times over within
 * the run (so short test runs complete sessions), never more than a second.
 */
export function defaultThinkTimeMs(settings: Pick<LoadSettings, 'durationSeconds' | 'requestsPerSession'>): number {
  const [min, max] = settings.requestsPerSession;
  const meanRequests = (min + max) / 2;
  return Math.min(1000, Math.max(20, (settings.durationSeconds * 1000) / (3 * meanRequests)));
}

