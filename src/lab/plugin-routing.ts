/**
 * How the WebSphere HTTP plug-in routes one request, given its plugin-cfg.xml (seed 002):
 * Route = VirtualHostGroup (host:port) + UriGroup (path) -> ServerCluster; a clone ID from the
 * JSESSIONID cookie routes the session back to its server, even at LoadBalanceWeight 0; new
 * sessions go weighted round-robin over the PrimaryServers with a weight above 0.
 *
 * Pure: the only state is the round-robin position, which the caller owns and passes in.
 */
import { XMLParser } from 'fast-xml-parser';

/** A Server element: where it listens and how it takes new sessions. */
export interface PluginServer {
  name: string;
  cloneId?: string;
  weight: number;
  host: string;
  port: number;
}

/** A ServerCluster element. `primaryServers` undefined means every server is primary. */
export interface PluginCluster {
  name: string;
  servers: PluginServer[];
  primaryServers?: string[];
}

/** A VirtualHost alias; `*` as host or port matches anything. */
export interface PluginVirtualHost {
  host: string;
  port: number | '*';
}

/** A Route element. */
export interface PluginRoute {
  serverCluster: string;
  uriGroup: string;
  virtualHostGroup: string;
}

/** The routing parts of a plugin-cfg.xml. */
export interface PluginConfig {
  refreshIntervalSeconds: number;
  virtualHostGroups: Record<string, PluginVirtualHost[]>;
  uriGroups: Record<string, string[]>;
  clusters: Record<string, PluginCluster>;
  routes: PluginRoute[];
}

/** The request facts routing looks at. */
export interface RoutedRequest {
  host: string;
  port: number;
  path: string;
  /** The clone ID from the JSESSIONID cookie (the part after `:`), if any. */
  cloneId?: string;
}

/** Per cluster: where the round-robin stands and how many turns each server has left. */
export type RoundRobinState = Record<string, { cursor: number; credits: Record<string, number> }>;

/** What the plug-in does with a request. */
export type RouteDecision =
  | { kind: 'no-route' }
  | { kind: 'unavailable'; cluster: string }
  | { kind: 'affinity' | 'new'; cluster: string; server: PluginServer };

/** The plug-in's default RefreshInterval, in seconds. */
export const defaultRefreshIntervalSeconds = 60;

type XmlNode = Record<string, unknown>;
const arrayTags = new Set(['VirtualHostGroup', 'VirtualHost', 'ServerCluster', 'Server', 'Transport', 'UriGroup', 'Uri', 'Route']);

function list(node: unknown, key: string): XmlNode[] {
  const value = (node as XmlNode | undefined)?.[key];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function attr(node: XmlNode, key: string): string | undefined {
  const value = node[key];
  return value === undefined ? undefined : String(value);
}

function parseAlias(name: string): PluginVirtualHost {
  const colon = name.lastIndexOf(':');
  if (colon < 0) return { host: name, port: 80 };
  const port = name.slice(colon + 1);
  return { host: name.slice(0, colon), port: port === '*' ? '*' : Number(port) };
}

function parseServer(node: XmlNode): PluginServer {
  const transport = list(node, 'Transport').find((t) => attr(t, 'Protocol') !== 'https') ?? list(node, 'Transport')[0] ?? {};
  const cloneId = attr(node, 'CloneID');
  return {
    name: attr(node, 'Name') ?? '',
    ...(cloneId ? { cloneId } : {}),
    weight: Number(attr(node, 'LoadBalanceWeight') ?? '1'),
    host: attr(transport, 'Hostname') ?? '127.0.0.1',
    port: Number(attr(transport, 'Port') ?? '80'),
  };
}

function parseCluster(node: XmlNode): PluginCluster {
  const primary = node.PrimaryServers as XmlNode | undefined;
  const primaryServers = primary === undefined ? undefined : list(primary, 'Server').map((s) => attr(s, 'Name') ?? '');
  return { name: attr(node, 'Name') ?? '', servers: list(node, 'Server').map(parseServer), ...(primaryServers ? { primaryServers } : {}) };
}

/** Parses plugin-cfg.xml text into its routing parts. Throws on XML that has no Config element. */
export function parsePluginConfig(xml: string): PluginConfig {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (tag) => arrayTags.has(tag), parseAttributeValue: false });
  const root = parser.parse(xml) as XmlNode;
  const config = root.Config as XmlNode | undefined;
  if (!config || typeof config !== 'object') throw new Error('plugin-cfg.xml has no <Config> element');
  const refresh = Number(attr(config, 'RefreshInterval') ?? defaultRefreshIntervalSeconds);
  const entries = <T>(nodes: XmlNode[], value: (n: XmlNode) => T) => Object.fromEntries(nodes.map((n) => [attr(n, 'Name') ?? '', value(n)]));
  return {
    refreshIntervalSeconds: Number.isFinite(refresh) && refresh > 0 ? refresh : defaultRefreshIntervalSeconds,
    virtualHostGroups: entries(list(config, 'VirtualHostGroup'), (g) => list(g, 'VirtualHost').map((v) => parseAlias(attr(v, 'Name') ?? ''))),
    uriGroups: entries(list(config, 'UriGroup'), (g) => list(g, 'Uri').map((u) => attr(u, 'Name') ?? '')),
    clusters: entries(list(config, 'ServerCluster'), parseCluster),
    routes: list(config, 'Route').map((r) => ({ serverCluster: attr(r, 'ServerCluster') ?? '', uriGroup: attr(r, 'UriGroup') ?? '', virtualHostGroup: attr(r, 'VirtualHostGroup') ?? '' })),
  };
}

/** Whether a Uri Name pattern (`/user/*`, `*.jsp`, `/exact`) matches a path. `/user/*` also takes `/user`. */
export function uriMatches(pattern: string, path: string): boolean {
  if (pattern.endsWith('/*') && path === pattern.slice(0, -2)) return true;
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(path);
}

/** Whether host:port is in a VirtualHostGroup. */
export function virtualHostMatches(aliases: readonly PluginVirtualHost[], host: string, port: number): boolean {
  return aliases.some((a) => (a.port === '*' || a.port === port) && (a.host === '*' || a.host.toLowerCase() === host.toLowerCase()));
}

/** The first Route whose virtual host group and URI group both match. */
export function findRoute(config: PluginConfig, req: RoutedRequest): PluginCluster | undefined {
  for (const route of config.routes) {
    const aliases = config.virtualHostGroups[route.virtualHostGroup] ?? [];
    const uris = config.uriGroups[route.uriGroup] ?? [];
    if (virtualHostMatches(aliases, req.host, req.port) && uris.some((u) => uriMatches(u, req.path))) return config.clusters[route.serverCluster];
  }
  return undefined;
}

function eligibleForNewSessions(cluster: PluginCluster, down: ReadonlySet<string>): PluginServer[] {
  const primary = cluster.primaryServers ? new Set(cluster.primaryServers) : undefined;
  return cluster.servers.filter((s) => s.weight > 0 && !down.has(s.name) && (!primary || primary.has(s.name)));
}

/**
 * Weighted round-robin: servers take turns in file order; each has `weight` turns per round.
 * Mutates only `rr`.
 */
export function pickNewSessionServer(cluster: PluginCluster, rr: RoundRobinState, down: ReadonlySet<string> = new Set()): PluginServer | undefined {
  const eligible = new Set(eligibleForNewSessions(cluster, down).map((s) => s.name));
  if (eligible.size === 0) return undefined;
  const state = (rr[cluster.name] ??= { cursor: 0, credits: {} });
  const servers = cluster.servers;
  for (let round = 0; round < 2; round++) {
    for (let step = 0; step < servers.length; step++) {
      const index = (state.cursor + step) % servers.length;
      const server = servers[index] as PluginServer;
      if (!eligible.has(server.name) || (state.credits[server.name] ?? 0) <= 0) continue;
      state.credits[server.name] = (state.credits[server.name] ?? 0) - 1;
      state.cursor = index + 1;
      return server;
    }
    // Everyone used their turns: a new round.
    state.credits = Object.fromEntries(servers.map((s) => [s.name, s.weight]));
  }
  return undefined;
}

/**
 * Routes one request. `down` holds servers the caller found unreachable: an affinity server that
 * is down fails over to a new server, as the plug-in does.
 */
export function routeRequest(config: PluginConfig, req: RoutedRequest, rr: RoundRobinState, down: ReadonlySet<string> = new Set()): RouteDecision {
  const cluster = findRoute(config, req);
  if (!cluster) return { kind: 'no-route' };
  const affine = req.cloneId ? cluster.servers.find((s) => s.cloneId === req.cloneId) : undefined;
  if (affine && !down.has(affine.name)) return { kind: 'affinity', cluster: cluster.name, server: affine };
  const server = pickNewSessionServer(cluster, rr, down);
  return server ? { kind: 'new', cluster: cluster.name, server } : { kind: 'unavailable', cluster: cluster.name };
}
