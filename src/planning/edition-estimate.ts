/**
 * How long an edition rollout takes, estimated two ways from the same inputs: the seed's own formula
 * for the deployment manager's request timeout, `groups × (drainage interval + about 5 min of quiesce
 * timeouts + about 10 min of restarts)`, and turnout's, which knows that its drain ends when the
 * sessions do and its quiesce waits end when no request is in flight. Pure.
 */
import type { Estate, Plan, RolloutRequest } from '../model';
import type { EditionSettings } from '../model/request';

/** The seed's allowance for the internal quiesce timeouts and for restarts, per group. */
const seedQuiesceSeconds = 5 * 60;
const seedRestartSeconds = 10 * 60;
/** Turnout's quiesce waits poll once a second and end when nothing is in flight: about a poll each. */
const quiescePollSeconds = 1;

/** How long one reset takes, as turnout assumes it when the request does not say. */
export function resetSecondsOf(settings: EditionSettings): number {
  return settings.resetSeconds ?? (settings.reset === 'hard' ? 120 : 30);
}

/** How long turnout expects a member's drain to take. */
function drainSeconds(settings: EditionSettings, request: RolloutRequest, estate: Estate): { seconds: number; why: string } {
  const interval = settings.drainageIntervalSeconds;
  if (settings.fullDrainageInterval) return { seconds: interval, why: `the full drainage interval, ${interval}s` };
  const session = settings.sessionSeconds ?? estate.lab?.sessionIdleSeconds;
  if (session === undefined) {
    const bound = interval > 0 ? interval : request.drain.maxWaitSeconds;
    return { seconds: bound, why: `no session length known (edition.sessionSeconds), so the drain's bound, ${bound}s` };
  }
  const seconds = interval > 0 ? Math.min(interval, session) : session;
  return { seconds, why: `sessions end after about ${session}s${interval > 0 ? ` (interval ${interval}s)` : ''}: ${seconds}s` };
}

/** Both estimates, with how each was computed. */
export function estimateEditionDuration(request: RolloutRequest, estate: Estate, settings: EditionSettings, groups: number, burnIns: number): NonNullable<Plan['estimate']> {
  const interval = settings.drainageIntervalSeconds;
  const seedSeconds = groups * (interval + seedQuiesceSeconds + seedRestartSeconds);
  const drain = drainSeconds(settings, request, estate);
  const reset = resetSecondsOf(settings);
  const burnIn = burnIns * request.burnInSeconds;
  const turnoutSeconds = groups * (drain.seconds + 2 * quiescePollSeconds + reset) + burnIn;
  return {
    groups,
    seedSeconds,
    turnoutSeconds,
    basis: [
      `seed 003: ${groups} group(s) × (drainage interval ${interval}s + ~${seedQuiesceSeconds}s quiesce timeouts + ~${seedRestartSeconds}s restarts) = ${seedSeconds}s`,
      `turnout: ${groups} group(s) × (drain ${drain.why} + ~${2 * quiescePollSeconds}s of quiesce that ends when nothing is in flight + ${settings.reset} reset ~${reset}s)${burnIn > 0 ? ` + burn-in ${burnIns} × ${request.burnInSeconds}s` : ''} = ${turnoutSeconds}s`,
    ],
  };
}

/** A duration as people read it: `1h 02m 05s`, `3m 20s`, `45s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(rest).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}
