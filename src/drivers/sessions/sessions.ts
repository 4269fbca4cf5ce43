/**
 * Live HTTP sessions per server: what a drain waits on (seed 002: "Monitor the number of active
 * sessions in a server with a lightweight PMI setting"). One interface; one file per implementation.
 */

/** Sessions on one server. */
export interface ServerSessions {
  name: string;
  /**
   * The live count, or null when it could not be read (the admin side unreachable, the counter
   * off). Unknown is never zero: a drain does not end on a server it cannot read.
   */
  sessions: number | null;
  /** Why the count is unknown. */
  problem?: string;
}

/** How a wait for a change ended: a count changed, the wait ran its time, or the counter could not wait. */
export const sessionWaitOutcomes = { changed: 'changed', waited: 'waited', unavailable: 'unavailable' } as const;
export type SessionWaitOutcome = (typeof sessionWaitOutcomes)[keyof typeof sessionWaitOutcomes];

/** Reads live session counts. Answers every server asked for; an unreadable one is `null`, not an error. */
export interface SessionCounter {
  liveSessions(servers: readonly string[]): Promise<ServerSessions[]>;
  /**
   * Waits up to `waitMs` for any count to differ from `known`, where the admin side can tell (the
   * lab's dmgr); PMI and asadmin cannot, and their counters leave this out, so drains poll them.
   * `unavailable` means nothing was waited for: the caller sleeps instead.
   */
  waitForChange?(known: readonly { name: string; sessions: number }[], waitMs: number, signal?: AbortSignal): Promise<SessionWaitOutcome>;
}
