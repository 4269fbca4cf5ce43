/** Free loopback ports for the production stack's many listeners. */
import net from 'node:net';
import { canBind } from '../lab/process-utils';

/** `count` distinct free ports (held open together while chosen, so none repeats). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/**
 * `count` distinct free ports below 32768. The server stores its membership ports in PostgreSQL as
 * smallint, so the OS's ephemeral ports (32768 and up) do not fit there.
 */
export async function freeSmallPorts(count: number): Promise<number[]> {
  const chosen: number[] = [];
  for (let tries = 0; chosen.length < count && tries < 1000; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (chosen.includes(port)) continue;
    if (await canBind('127.0.0.1', port)) chosen.push(port);
  }
  if (chosen.length < count) throw new Error(`found only ${chosen.length} of ${count} free ports below 32768`);
  return chosen;
}
