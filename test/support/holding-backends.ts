/**
 * Tiny HTTP servers standing in for a sprayer's backend servers, one per sprayer server, that hold
 * a request until the test lets it go: a request in flight through the sprayer, on demand, to read
 * the sprayer's in-flight counts against.
 */
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import { listenOn, waitFor } from '../../src/lab/process-utils';

/** A request the sprayer sent to one of its servers, held there. */
export interface HeldRequest {
  /** The sprayer server that holds it. */
  server: string;
  /** Answers it and resolves once the client has the whole answer. */
  release(): Promise<void>;
}

/** The backends, and a way to hold a request sent through the sprayer at `front`. */
export interface HoldingBackends {
  hold(front: string): Promise<HeldRequest>;
  close(): Promise<void>;
}

/** Starts one holding server per sprayer server, at the address the sprayer sends it to. */
export async function startHoldingBackends(servers: readonly { name: string; host: string; port: number }[]): Promise<HoldingBackends> {
  const held = new Map<string, { server: string; res: http.ServerResponse }>();
  const listening = await Promise.all(
    servers.map((s) => {
      const server = http.createServer((req, res) => {
        const token = /^\/hold\/([a-f0-9]+)$/.exec(req.url ?? '')?.[1];
        if (token) held.set(token, { server: s.name, res });
        else res.end(s.name);
      });
      return listenOn(server, s.host, s.port);
    }),
  );
  return {
    async hold(front) {
      const token = randomBytes(8).toString('hex');
      // `connection: close`: the answer ends the client's connection, so nothing of it lingers at the sprayer.
      const answered = fetch(`${front}/hold/${token}`, { headers: { connection: 'close' } }).then((r) => r.text());
      answered.catch(() => undefined);
      await waitFor(() => held.has(token), 10_000, `no backend received /hold/${token} through ${front}`);
      const entry = held.get(token) as { server: string; res: http.ServerResponse };
      return {
        server: entry.server,
        async release() {
          entry.res.end('released');
          held.delete(token);
          await answered;
        },
      };
    },
    async close() {
      for (const { res } of held.values()) res.destroy();
      await Promise.all(
        listening.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
