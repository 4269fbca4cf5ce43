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

/** Reads live session counts. Answers every server asked for; an unreadable one is `null`, not an error. */
export interface SessionCounter {
  liveSessions(servers: readonly string[]): Promise<ServerSessions[]>;
}
