/**
 * The test Java client for the lab (seed 002, Java-client step B): it calls the EJB through
 * explicit binding values, without the naming service, over the lab ORB's HTTP stand-in
 * (`GET http://host:orbPort/ejb/<JNDI name>`, see src/lab/app-server.ts). The lab's Java-client
 * simulator makes its calls with the same helpers.
 */
import http from 'node:http';
import type { BindingValue } from '../../model/bindings';
import type { EjbAnswer } from '../../lab/dmgr-api';
import type { EjbProbeResult, JavaClientProbe } from './java-client';

/** One address of a provider URL. */
export interface OrbEndpoint {
  host: string;
  port: number;
}

/** The IIOP default port, for addresses that name none. */
const defaultIiopPort = 2809;

function parseAddress(address: string, url: string): OrbEndpoint {
  // `[iiop]:[version@]host[:port]`: the protocol token may be empty (`:host:port`).
  const match = /^(?:iiop)?:(?:\d+\.\d+@)?(\[[^\]]+\]|[^:/@[\]]+)(?::(\d+))?$/.exec(address.trim());
  const host = match?.[1];
  if (!host) throw new Error(`${url}: "${address}" is not an IIOP address (:host:port)`);
  const port = match[2] === undefined ? defaultIiopPort : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${url}: port ${match[2] ?? ''} of "${address}" is out of range`);
  return { host: host.replace(/^\[|\]$/g, ''), port };
}

/**
 * The addresses of a `corbaloc:` provider URL, in order: `corbaloc::h1:9811,:h2:9813` gives
 * h1:9811 and h2:9813. An object key after `/` is ignored. Throws on anything else.
 */
export function parseCorbaloc(url: string): OrbEndpoint[] {
  const prefix = 'corbaloc:';
  if (!url.toLowerCase().startsWith(prefix)) throw new Error(`${url}: a provider URL starts with ${prefix}`);
  const addresses = url.slice(prefix.length).split('/')[0] ?? '';
  if (addresses.trim() === '') throw new Error(`${url}: the provider URL lists no address`);
  return addresses.split(',').map((a) => parseAddress(a, url));
}

/** What one EJB call answered: the lab EJB, or why not (`refused`: nothing listens there). */
export type EjbCallResult = { ok: true; answer: EjbAnswer } | { ok: false; refused: boolean; error: string };

/** The URL path of the EJB home `jndiName` on the lab ORB. */
export function ejbPath(jndiName: string): string {
  return `/ejb/${jndiName.split('/').map(encodeURIComponent).join('/')}`;
}

/** Calls the EJB home `jndiName` at `endpoint` through `agent`, whose keep-alive socket is the client's ORB connection. */
export function callLabEjb(agent: http.Agent, endpoint: OrbEndpoint, jndiName: string, timeoutMs = 5000): Promise<EjbCallResult> {
  return new Promise((resolve) => {
    const req = http.get({ host: endpoint.host, port: endpoint.port, path: ejbPath(jndiName), agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          const body = JSON.parse(text) as Partial<EjbAnswer> & { error?: string };
          if (res.statusCode === 200 && typeof body.version === 'string') resolve({ ok: true, answer: body as EjbAnswer });
          else resolve({ ok: false, refused: false, error: `HTTP ${res.statusCode ?? 0}: ${body.error ?? text.slice(0, 200)}` });
        } catch {
          resolve({ ok: false, refused: false, error: `HTTP ${res.statusCode ?? 0}: not JSON: ${text.slice(0, 200)}` });
        }
      });
      res.on('error', (err) => resolve({ ok: false, refused: false, error: err.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, refused: err.code === 'ECONNREFUSED', error: err.message }));
  });
}

/** The EJB indirection among configured binding values: where the EJB home is and its JNDI name. */
export function ejbIndirection(bindings: readonly BindingValue[]): Extract<BindingValue, { kind: 'indirect' }> {
  const found = bindings.find((b): b is Extract<BindingValue, { kind: 'indirect' }> => b.kind === 'indirect');
  if (!found) throw new Error(`the bindings ${bindings.map((b) => b.name).join(', ') || '(none)'} hold no indirect EJB binding`);
  return found;
}

function count(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

class LabJavaClientProbe implements JavaClientProbe {
  async probe(bindings: readonly BindingValue[], calls: number): Promise<EjbProbeResult> {
    const ejb = ejbIndirection(bindings);
    const endpoints = parseCorbaloc(ejb.providerUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const result: EjbProbeResult = { calls: 0, versions: {}, servers: {}, failures: 0 };
    try {
      // Round-robin over the provider URL's addresses, so a probe reaches every member it names.
      for (let i = 0; i < calls; i++) {
        const endpoint = endpoints[i % endpoints.length] as OrbEndpoint;
        const answer = await callLabEjb(agent, endpoint, ejb.binding);
        result.calls++;
        if (!answer.ok) {
          result.failures++;
          continue;
        }
        count(result.versions, answer.answer.version);
        count(result.servers, answer.answer.server);
      }
    } finally {
      agent.destroy();
    }
    return result;
  }
}

/** The lab's test Java client. */
export function createLabJavaClientProbe(): JavaClientProbe {
  return new LabJavaClientProbe();
}
