/**
 * HTTP for the load generator: kept-alive sockets, a timeout per request, one honest retry when a
 * reused socket was already closed, and a way to abandon everything in flight when the run stops.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { RawResponse } from './responses';

const maxBodyBytes = 64 * 1024;

/** Outcome of one HTTP exchange. `aborted` means the run was stopped: the request is not counted. */
type Exchange = { kind: 'response'; response: RawResponse } | { kind: 'error'; reason: string } | { kind: 'aborted' };

/** An exchange that may be tried once more: see {@link createTransport}. */
type Attempt = Exchange | { kind: 'retry' };

class TimeoutError extends Error {
  constructor() {
    super('request timed out');
  }
}

class StoppedError extends Error {
  constructor() {
    super('load run stopped');
  }
}

/** Sends the load generator's requests; one per run. */
export interface Transport {
  get(url: URL, cookie: string | undefined): Promise<Exchange>;
  /** Abandons every request in flight; they resolve as `aborted`. */
  abortAll(): void;
  close(): void;
}

/** A transport whose requests time out after `timeoutMs`. */
export function createTransport(timeoutMs: number): Transport {
  const options = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256 };
  const agents = { http: new http.Agent(options), https: new https.Agent(options) };
  const live = new Set<http.ClientRequest>();
  let stopped = false;
  const send = (url: URL, cookie: string | undefined, fresh = false): Promise<Attempt> => {
    if (stopped) return Promise.resolve({ kind: 'aborted' });
    const secure = url.protocol === 'https:';
    const agent = fresh ? false : secure ? agents.https : agents.http;
    return exchange(secure ? https : http, agent, { url, cookie, timeoutMs, live, stopped: () => stopped });
  };
  return {
    async get(url, cookie) {
      const first = await send(url, cookie);
      // A kept-alive socket the server closed just as we reused it: the request never reached
      // the app, so once more on a fresh socket is the honest answer, not a failure of the app.
      // Fresh, not pooled: when a server closes its idle connections (HAProxy's old worker after a
      // reload), the next pooled socket is as likely to be closing too.
      const result = first.kind === 'retry' ? await send(url, cookie, true) : first;
      return result.kind === 'retry' ? { kind: 'error', reason: 'network ECONNRESET' } : result;
    },
    abortAll() {
      stopped = true;
      for (const req of live) req.destroy(new StoppedError());
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

interface ExchangeSpec {
  url: URL;
  cookie: string | undefined;
  timeoutMs: number;
  live: Set<http.ClientRequest>;
  stopped: () => boolean;
}

function exchange(client: typeof http | typeof https, agent: http.Agent | false, spec: ExchangeSpec): Promise<Attempt> {
  return new Promise((resolve) => {
    const started = performance.now();
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json', ...(spec.cookie !== undefined ? { cookie: spec.cookie } : {}) };
    const req = client.request(spec.url, { method: 'GET', agent, headers });
    let timedOut = false;
    let settled = false;
    spec.live.add(req);
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new TimeoutError());
    }, spec.timeoutMs);
    // Errors can surface on the request, on the response, or both: the first word wins.
    const finish = (result: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.live.delete(req);
      resolve(result);
    };
    const fail = (err: NodeJS.ErrnoException) => finish(classifyError(req, err, timedOut, spec.stopped()));
    req.on('error', fail);
    req.on('response', (res) => {
      res.on('error', fail);
      readBody(res, (body) => finish({ kind: 'response', response: { status: res.statusCode ?? 0, headers: res.headers, body, latencyMs: performance.now() - started } }));
    });
    req.on('close', () => fail(Object.assign(new Error('connection closed'), { code: 'ECONNCLOSED' })));
    req.end();
  });
}

function classifyError(req: http.ClientRequest, err: NodeJS.ErrnoException, timedOut: boolean, stopped: boolean): Attempt {
  if (err instanceof StoppedError || stopped) return { kind: 'aborted' };
  if (timedOut) return { kind: 'error', reason: 'timeout' };
  if (req.reusedSocket && err.code === 'ECONNRESET') return { kind: 'retry' };
  return { kind: 'error', reason: `network ${err.code ?? err.message}` };
}

function readBody(res: http.IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    // Keep reading past the cap so the socket can be reused, but keep nothing more.
    if (size < maxBodyBytes) chunks.push(chunk);
    size += chunk.length;
  });
  res.on('end', () => done(Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8')));
}
