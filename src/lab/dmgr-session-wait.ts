/**
 * The dmgr's `GET /sessions/change?server=A&known=3&server=B&known=0&waitMs=T`: answers
 * `{changed: true}` as soon as one named server's LiveCount is not the count the caller knows, or
 * `{changed: false}` after T ms. It waits on each running app server's own session wait
 * (`session-watch.ts`) side by side and gives up the others once one answers.
 */
import { maxSessionWaitMs } from './session-watch';
import { ApiError } from './dmgr-http';

/** One server a caller waits on: the count it knows, and where the server runs (none when stopped). */
export interface SessionWatchTarget {
  name: string;
  known: number;
  /** The app server's base URL, or undefined when it is stopped (its count is then 0). */
  url?: string;
}

/** `GET /sessions/change`'s answer. */
export interface SessionChange {
  changed: boolean;
}

/** The servers and known counts of a `GET /sessions/change` query, checked. */
export function sessionChangeQuery(params: URLSearchParams): { servers: { name: string; known: number }[]; waitMs: number } {
  const names = params.getAll('server');
  const known = params.getAll('known').map(Number);
  const waitMs = Number(params.get('waitMs') ?? 0);
  if (names.length === 0 || names.length !== known.length) throw new ApiError(400, 'sessions/change needs ?server=<name>&known=<count>, once per server');
  if (known.some((k) => !Number.isInteger(k) || k < 0)) throw new ApiError(400, 'sessions/change: every known count is a whole number of 0 or more');
  if (!Number.isFinite(waitMs) || waitMs < 0) throw new ApiError(400, 'sessions/change: waitMs is a number of milliseconds');
  return { servers: names.map((name, i) => ({ name, known: known[i] ?? 0 })), waitMs: Math.min(waitMs, maxSessionWaitMs) };
}

/** Waits on one app server; resolves true when its count is not `known` (or it cannot be read: a change too, maybe a stop). */
async function waitOne(target: SessionWatchTarget, waitMs: number, signal: AbortSignal): Promise<boolean> {
  if (!target.url) return target.known !== 0;
  try {
    const res = await fetch(`${target.url}/__lab/sessions?unlike=${target.known}&waitMs=${waitMs}`, { signal });
    const body = (await res.json()) as { liveCount?: unknown };
    return !res.ok || body.liveCount !== target.known;
  } catch {
    return !signal.aborted;
  }
}

/** Whether any target's count changed within `waitMs`; the waits still open are given up at the first change. */
export async function waitForSessionChange(targets: readonly SessionWatchTarget[], waitMs: number): Promise<SessionChange> {
  if (targets.length === 0) return { changed: false };
  const abort = new AbortController();
  try {
    const changed = await new Promise<boolean>((resolve) => {
      let open = targets.length;
      for (const t of targets) {
        void waitOne(t, waitMs, abort.signal).then((c) => {
          open--;
          if (c) resolve(true);
          else if (open === 0) resolve(false);
        });
      }
    });
    return { changed };
  } finally {
    abort.abort();
  }
}
