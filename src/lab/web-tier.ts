/**
 * A lab HTTP server with the WebSphere plug-in: one process per estate httpServer, listening on
 * its production port and its test port (the test VIP).
 *
 * `node dist/src/lab/web-tier.js --estate F --name webX1 [--parent-pid N]`
 *
 * It routes with `plugin-routing.ts` from its plugin-cfg.xml, re-reads the file every
 * RefreshInterval (the file's own attribute), forwards the Host header unchanged, and fails over
 * to another server when the one it picked refuses the connection.
 *
 * `GET /__lab/health` and `GET /__lab/config` (when the file was last read and its sha256, so a
 * driver can tell that a new plugin-cfg.xml is in effect) are answered by the web server itself.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { jsessionIdCookie, parseJsessionId, requestHostPort } from './app-server';
import { allHttpServers } from './plugin-cfg-initial';
import { parsePluginConfig, routeRequest, type PluginConfig, type PluginServer, type RoundRobinState } from './plugin-routing';
import { readEstateFile, resolveFrom } from './paths';
import { forwardHeaders, streamAnswer } from './proxy';
import { listenOn, parseArgs, readBody, requireArg, runLabMain, sendJson, stopOnSignalsAndOrphaning } from './process-utils';

/** How long a server that refused a connection is skipped (the plug-in's RetryInterval, shortened for the lab). */
const retryIntervalMs = 2000;

/** What `GET /__lab/config` answers. */
export interface WebTierConfigInfo {
  name: string;
  path: string;
  loadedAt: string;
  sha256: string;
  refreshIntervalSeconds: number;
  lastError?: string;
}

interface WebTier {
  name: string;
  path: string;
  config: PluginConfig;
  info: WebTierConfigInfo;
  rr: RoundRobinState;
  downUntil: Map<string, number>;
  agent: http.Agent;
}

function load(tier: Pick<WebTier, 'name' | 'path'>): { config: PluginConfig; info: WebTierConfigInfo } {
  const text = readFileSync(tier.path, 'utf8');
  const config = parsePluginConfig(text);
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { config, info: { name: tier.name, path: tier.path, loadedAt: new Date().toISOString(), sha256, refreshIntervalSeconds: config.refreshIntervalSeconds } };
}

/** Re-reads plugin-cfg.xml every RefreshInterval; a file that does not parse keeps the last good config. */
function scheduleRefresh(tier: WebTier): void {
  const timer = setTimeout(() => {
    try {
      const next = load(tier);
      if (next.info.sha256 !== tier.info.sha256) tier.rr = {};
      tier.config = next.config;
      tier.info = next.info;
    } catch (err) {
      tier.info = { ...tier.info, lastError: err instanceof Error ? err.message : String(err) };
    }
    scheduleRefresh(tier);
  }, tier.config.refreshIntervalSeconds * 1000);
  timer.unref();
}

function downSet(tier: WebTier): Set<string> {
  const now = Date.now();
  return new Set([...tier.downUntil].filter(([, until]) => until > now).map(([name]) => name));
}

/** Sends the request to one server; rejects only if no response came back (so a retry is safe to try). */
function proxyOnce(tier: WebTier, server: PluginServer, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = http.request({ host: server.host, port: server.port, method: req.method, path: req.url, headers: forwardHeaders(req, body), agent: tier.agent }, (answer) => {
      streamAnswer(answer, res, resolve);
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}

async function forward(tier: WebTier, req: http.IncomingMessage, res: http.ServerResponse, listenerPort: number): Promise<void> {
  const body = await readBody(req);
  const target = requestHostPort(req.headers.host, listenerPort);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const cloneId = parseJsessionId(jsessionIdCookie(req.headers.cookie))?.cloneId;
  const down = downSet(tier);
  const retried = new Set<string>();
  for (;;) {
    const decision = routeRequest(tier.config, { host: target.host, port: target.port, path, ...(cloneId ? { cloneId } : {}) }, tier.rr, down);
    if (decision.kind === 'no-route') return sendJson(res, 404, { error: `${tier.name}: no route for ${target.host}:${target.port}${path}` });
    if (decision.kind === 'unavailable') return sendJson(res, 503, { error: `${tier.name}: no server of ${decision.cluster} is available` });
    try {
      return await proxyOnce(tier, decision.server, req, body, res);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A pooled connection the server had just closed is worth one more try; a refused one marks the server down.
      if (code !== 'ECONNREFUSED' && !retried.has(decision.server.name)) {
        retried.add(decision.server.name);
        continue;
      }
      tier.downUntil.set(decision.server.name, Date.now() + retryIntervalMs);
      down.add(decision.server.name);
    }
  }
}

function handler(tier: WebTier, listenerPort: number): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/__lab/health') return sendJson(res, 200, { ok: true, name: tier.name, pid: process.pid });
    if (path === '/__lab/config') return sendJson(res, 200, tier.info);
    forward(tier, req, res, listenerPort).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 502, { error: `${tier.name}: ${err instanceof Error ? err.message : String(err)}` });
      else res.destroy();
    });
  };
}

function listen(tier: WebTier, host: string, port: number): Promise<http.Server> {
  const server = http.createServer(handler(tier, port));
  // Longer than HAProxy's idle server connections, so the web tier never closes one HAProxy is about to reuse.
  server.keepAliveTimeout = 65_000;
  return listenOn(server, host, port);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const estate = readEstateFile(requireArg(args, 'estate'));
  const name = requireArg(args, 'name');
  const found = allHttpServers(estate).find((h) => h.httpServer.name === name);
  if (!found) throw new Error(`no httpServer named ${name} in estate ${estate.name}`);
  const { httpServer } = found;
  if (httpServer.pluginCfg.kind !== 'local') throw new Error(`${name}: the lab web tier reads a local plugin-cfg.xml only`);
  const path = resolveFrom(undefined, httpServer.pluginCfg.path);
  const { config, info } = load({ name, path });
  const tier: WebTier = { name, path, config, info, rr: {}, downUntil: new Map(), agent: new http.Agent({ keepAlive: true, timeout: 30_000 }) };
  scheduleRefresh(tier);
  const ports = [httpServer.port, ...(httpServer.testPort ? [httpServer.testPort] : [])];
  const servers = await Promise.all(ports.map((p) => listen(tier, httpServer.host, p)));
  stopOnSignalsAndOrphaning(servers, args['parent-pid']);
}

if (require.main === module) runLabMain('web-tier', main);
