/**
 * The Java-client simulator (seed 002, "Java client application transition", Listing 5): stand-alone
 * clients that bootstrap from the naming service once, when they start, and then call the EJB for
 * as long as they run.
 *
 * Each client reads the InitialContextProvider string binding (the runtime provider URL) and the
 * EJB indirect binding, randomises the provider URL's addresses, holds ONE keep-alive connection to
 * one of them and calls `GET /ejb/<JNDI name>` there in a loop. A refused connection fails over to
 * the next address of the same URL (and counts as a failure). It never re-reads the bindings until
 * it is restarted: that is why switching the configured bindings moves clients only as they restart.
 */
import http from 'node:http';
import type { BindingValue } from '../model/bindings';
import { createLabNaming } from '../drivers/naming/lab-naming';
import type { NamingDriver } from '../drivers/naming/naming';
import { callLabEjb, parseCorbaloc, type OrbEndpoint } from '../drivers/java-client/lab-java-client';
import { sleep } from './process-utils';

/** Options of {@link startJavaClients}. */
export interface JavaClientsOptions {
  /** The naming service (the estate's naming.url): the clients' bootstrap provider. */
  namingUrl: string;
  count: number;
  /** Name (or JNDI name) of the InitialContextProvider string binding. */
  providerBinding: string;
  /** Name (or JNDI name) of the EJB indirect binding. */
  ejbBinding: string;
  /** Pause between one client's calls; default 100 ms. */
  callIntervalMs?: number;
  /** Per call; default 5000 ms. */
  requestTimeoutMs?: number;
}

/** What one simulated client has done since it was started. */
export interface JavaClientReport {
  id: number;
  /** When it last read the bindings (its start or last restart). */
  bootstrappedAt: string;
  /** The runtime provider URL it read, with its addresses in the client's random order. */
  providerUrl: string;
  /** The EJB home's JNDI name the indirect binding pointed to. */
  binding: string;
  /** The address it is connected to now. */
  endpoint: string;
  calls: number;
  failures: number;
  /** Answers per version. */
  versions: Record<string, number>;
  lastVersion: string | null;
  lastServer: string | null;
  lastError: string | null;
}

/** The simulator's report: every client, and the sums. */
export interface JavaClientsReport {
  clients: JavaClientReport[];
  totals: { clients: number; calls: number; failures: number; versions: Record<string, number> };
}

/** Running simulated clients. */
export interface JavaClientsHandle {
  report(): JavaClientsReport;
  /** Restarts the given clients (by id; all when omitted): each re-reads the bindings. */
  restart(ids?: number[]): Promise<void>;
  /** Stops every client and closes its connection. */
  stop(): Promise<void>;
}

/** What a client read at bootstrap. */
interface Bootstrap {
  endpoints: OrbEndpoint[];
  providerUrl: string;
  binding: string;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function corbaloc(endpoints: readonly OrbEndpoint[]): string {
  return `corbaloc:${endpoints.map((e) => `:${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`).join(',')}`;
}

/** Listing 5: look up the runtime provider URL and the EJB, and randomise the URL. */
async function bootstrap(naming: NamingDriver, opts: JavaClientsOptions): Promise<Bootstrap> {
  const [provider, ejb] = (await naming.read([opts.providerBinding, opts.ejbBinding])) as [BindingValue, BindingValue];
  if (provider.kind !== 'string') throw new Error(`binding ${opts.providerBinding} is ${provider.kind}, not the InitialContextProvider string binding`);
  if (ejb.kind !== 'indirect') throw new Error(`binding ${opts.ejbBinding} is ${ejb.kind}, not the EJB indirect binding`);
  const endpoints = shuffled(parseCorbaloc(provider.value));
  return { endpoints, providerUrl: corbaloc(endpoints), binding: ejb.binding };
}

const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: 1 });

class SimulatedClient {
  private agent = newAgent();
  private boot: Bootstrap | undefined;
  private bootstrappedAt = new Date(0);
  private current = 0;
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly tally = { calls: 0, failures: 0, versions: {} as Record<string, number> };
  private last: { version: string | null; server: string | null; error: string | null } = { version: null, server: null, error: null };

  constructor(
    readonly id: number,
    private readonly naming: NamingDriver,
    private readonly opts: JavaClientsOptions,
  ) {}

  async start(): Promise<void> {
    this.boot = await bootstrap(this.naming, this.opts);
    this.bootstrappedAt = new Date();
    this.current = 0;
    this.stopping = false;
    this.running = this.loop(this.boot);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
    // Closing the agent closes the client's ORB connection, as a client process that exits does.
    this.agent.destroy();
    this.agent = newAgent();
  }

  private async loop(boot: Bootstrap): Promise<void> {
    while (!this.stopping) {
      await this.callOnce(boot);
      if (!this.stopping) await sleep(this.opts.callIntervalMs ?? 100);
    }
  }

  private async callOnce(boot: Bootstrap): Promise<void> {
    const endpoint = boot.endpoints[this.current] as OrbEndpoint;
    const result = await callLabEjb(this.agent, endpoint, boot.binding, this.opts.requestTimeoutMs ?? 5000);
    this.tally.calls++;
    if (result.ok) {
      this.tally.versions[result.answer.version] = (this.tally.versions[result.answer.version] ?? 0) + 1;
      this.last = { version: result.answer.version, server: result.answer.server, error: null };
      return;
    }
    this.tally.failures++;
    this.last = { ...this.last, error: result.error };
    if (!result.refused) return;
    // Fail over within the same provider URL, on a fresh connection.
    this.current = (this.current + 1) % boot.endpoints.length;
    this.agent.destroy();
    this.agent = newAgent();
  }

  report(): JavaClientReport {
    const endpoint = this.boot?.endpoints[this.current];
    return {
      id: this.id,
      bootstrappedAt: this.bootstrappedAt.toISOString(),
      providerUrl: this.boot?.providerUrl ?? '',
      binding: this.boot?.binding ?? '',
      endpoint: endpoint ? `${endpoint.host}:${endpoint.port}` : '',
      calls: this.tally.calls,
      failures: this.tally.failures,
      versions: { ...this.tally.versions },
      lastVersion: this.last.version,
      lastServer: this.last.server,
      lastError: this.last.error,
    };
  }
}

function totalsOf(clients: readonly JavaClientReport[]): JavaClientsReport['totals'] {
  const versions: Record<string, number> = {};
  for (const c of clients) for (const [v, n] of Object.entries(c.versions)) versions[v] = (versions[v] ?? 0) + n;
  return { clients: clients.length, calls: clients.reduce((n, c) => n + c.calls, 0), failures: clients.reduce((n, c) => n + c.failures, 0), versions };
}

function checkOptions(opts: JavaClientsOptions): void {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`count must be a whole number from 1, not ${opts.count}`);
  const interval = opts.callIntervalMs ?? 100;
  if (!Number.isFinite(interval) || interval < 0) throw new Error(`callIntervalMs must be 0 or more, not ${interval}`);
}

/**
 * Starts `count` simulated Java clients (ids 1..count); resolves once every one has bootstrapped.
 * Rejects, with nothing left running, if the bootstrap fails (naming unreachable, a binding missing).
 */
export async function startJavaClients(opts: JavaClientsOptions): Promise<JavaClientsHandle> {
  checkOptions(opts);
  const naming = createLabNaming(opts.namingUrl);
  const clients = Array.from({ length: opts.count }, (_, i) => new SimulatedClient(i + 1, naming, opts));
  const started = await Promise.allSettled(clients.map((c) => c.start()));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(clients.map((c) => c.stop()));
    throw failed.reason;
  }
  const byId = (ids: readonly number[]) =>
    ids.map((id) => {
      const client = clients[id - 1];
      if (!client) throw new Error(`no Java client ${id}; ids are 1 to ${clients.length}`);
      return client;
    });
  return {
    report() {
      const reports = clients.map((c) => c.report());
      return { clients: reports, totals: totalsOf(reports) };
    },
    async restart(ids) {
      const chosen = ids ? byId(ids) : clients;
      await Promise.all(
        chosen.map(async (c) => {
          await c.stop();
          await c.start();
        }),
      );
    },
    async stop() {
      await Promise.all(clients.map((c) => c.stop()));
    },
  };
}
