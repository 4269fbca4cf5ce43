/**
 * Live HTTP sessions per server: what a drain waits on (seed 002: "Monitor the number of active
 * sessions in a server with a lightweight PMI setting"). One interface; one file per implementation.
 */

/** Sessions on one server. */
export interface ServerSessions {
  name: string;
  sessions: number;
}

/** Reads live session counts. */
export interface SessionCounter {
  liveSessions(servers: readonly string[]): Promise<ServerSessions[]>;
}
