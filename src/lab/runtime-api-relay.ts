/**
 * The lab's TCP Runtime API, for estates whose sprayer `adminSocket` is a TCP endpoint: HAProxy's
 * stats socket is a UNIX socket in the lab dir, and this relay, run by the lab process, listens on
 * the estate's endpoint and passes each connection through to it.
 *
 * Why: a TCP stats socket cannot be made unreachable while HAProxy keeps serving (HAProxy has no
 * command to close it, and a reload resets the very runtime state the fault must keep), and the
 * lab does not touch the machine's firewall. Closing the relay's listener refuses connections on
 * the endpoint, as a firewall rejecting the admin port would; listening again restores it. A
 * UNIX-socket Runtime API needs no relay: the lab renames the socket file away and back.
 */
import * as net from 'node:net';

/** A TCP listener in front of HAProxy's UNIX stats socket. */
export class RuntimeApiRelay {
  private server: net.Server | undefined;
  private readonly open = new Set<net.Socket>();

  constructor(
    /** Where the estate says the Runtime API is. */
    readonly endpoint: { host: string; port: number },
    /** HAProxy's own stats socket. */
    readonly socketPath: string,
  ) {}

  /** Whether the relay is listening. */
  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Starts listening on the endpoint; resolves once it does. Idempotent. */
  async listen(): Promise<void> {
    if (this.server) return;
    // Half-open: a Runtime API client ends its side after the command and still reads the answer.
    const server = net.createServer({ allowHalfOpen: true }, (client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.endpoint.host, port: this.endpoint.port, exclusive: true }, () => resolve());
    });
    this.server = server;
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect(this.socketPath);
    for (const socket of [client, upstream]) {
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
      // One side failing ends the exchange on both, as a broken connection to HAProxy would.
      socket.once('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Stops listening and cuts the exchanges in progress; resolves once the port is free. Idempotent. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
