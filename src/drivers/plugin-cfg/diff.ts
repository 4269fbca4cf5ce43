/**
 * What changed between two plugin-cfg.xml files, in routing terms, so that a person approving a
 * phase sees "ServerY1 joins ClusterX, ServerX1 2 -> 0" rather than a text diff of XML.
 */
import { parsePluginCfgDocument, type XmlElement } from './plugin-cfg-document';
import { describeServer, type PluginCfgServer } from './transitions';
import { attribute, childElements } from './xml-edit';

/** A Route by its three attributes. */
export interface PluginCfgRouteRef {
  serverCluster: string;
  uriGroup: string;
  virtualHostGroup: string;
}

/** One routing change, from file `a` to file `b`. */
export type PluginCfgChange =
  | { kind: 'refresh-interval-changed'; from?: string; to?: string }
  | { kind: 'virtual-host-group-added' | 'virtual-host-group-removed'; name: string }
  | { kind: 'server-cluster-added' | 'server-cluster-removed'; name: string; servers: PluginCfgServer[] }
  /** `movedFrom`: the ServerCluster that held this server in `a` and no longer does. */
  | { kind: 'server-added'; cluster: string; server: PluginCfgServer; movedFrom?: string }
  /** `movedTo`: the ServerCluster that holds this server in `b` and did not in `a`. */
  | { kind: 'server-removed'; cluster: string; server: PluginCfgServer; movedTo?: string }
  | { kind: 'weight-changed'; cluster: string; server: string; from: number; to: number }
  | { kind: 'primary-server-added' | 'primary-server-removed'; cluster: string; server: string }
  | { kind: 'uri-group-added' | 'uri-group-removed'; name: string }
  | { kind: 'route-added' | 'route-removed'; route: PluginCfgRouteRef };

interface ClusterSummary {
  servers: Map<string, PluginCfgServer>;
  /** Undefined when the cluster has no PrimaryServers element (every server is primary). */
  primary: string[] | undefined;
}

interface RoutingSummary {
  refresh: string | undefined;
  virtualHostGroups: string[];
  clusters: Map<string, ClusterSummary>;
  uriGroups: string[];
  routes: PluginCfgRouteRef[];
}

const nameOf = (e: XmlElement): string => attribute(e, 'Name') ?? '';
const routeKey = (r: PluginCfgRouteRef): string => `${r.serverCluster}\n${r.uriGroup}\n${r.virtualHostGroup}`;

function summarize(xml: string): RoutingSummary {
  const root = parsePluginCfgDocument(xml).root;
  const clusters = new Map<string, ClusterSummary>();
  for (const c of childElements(root, 'ServerCluster')) {
    const primary = childElements(c, 'PrimaryServers')[0];
    const servers = childElements(c, 'Server').map((s) => describeServer(nameOf(c), s));
    clusters.set(nameOf(c), { servers: new Map(servers.map((s) => [s.name, s])), primary: primary ? childElements(primary, 'Server').map(nameOf) : undefined });
  }
  return {
    refresh: attribute(root, 'RefreshInterval'),
    virtualHostGroups: childElements(root, 'VirtualHostGroup').map(nameOf),
    clusters,
    uriGroups: childElements(root, 'UriGroup').map(nameOf),
    routes: childElements(root, 'Route').map((r) => ({
      serverCluster: attribute(r, 'ServerCluster') ?? '',
      uriGroup: attribute(r, 'UriGroup') ?? '',
      virtualHostGroup: attribute(r, 'VirtualHostGroup') ?? '',
    })),
  };
}

function minus(x: readonly string[], y: readonly string[]): string[] {
  const drop = new Set(y);
  return x.filter((v) => !drop.has(v));
}

/** Where a server of `a`'s cluster `from` sits in `b`, if it moved to another cluster. */
function clusterHolding(summary: RoutingSummary, server: string, except: string): string | undefined {
  return [...summary.clusters].find(([name, c]) => name !== except && c.servers.has(server))?.[0];
}

function serverChanges(a: RoutingSummary, b: RoutingSummary, cluster: string, before: ClusterSummary, after: ClusterSummary): PluginCfgChange[] {
  const changes: PluginCfgChange[] = [];
  for (const [name, server] of after.servers) {
    const old = before.servers.get(name);
    if (!old) {
      const from = clusterHolding(a, name, cluster);
      const movedFrom = from && !b.clusters.get(from)?.servers.has(name) ? from : undefined;
      changes.push({ kind: 'server-added', cluster, server, ...(movedFrom ? { movedFrom } : {}) });
    } else if (old.weight !== server.weight) changes.push({ kind: 'weight-changed', cluster, server: name, from: old.weight, to: server.weight });
  }
  for (const [name, server] of before.servers) {
    if (after.servers.has(name)) continue;
    const to = clusterHolding(b, name, cluster);
    const movedTo = to && !a.clusters.get(to)?.servers.has(name) ? to : undefined;
    changes.push({ kind: 'server-removed', cluster, server, ...(movedTo ? { movedTo } : {}) });
  }
  const primaryBefore = before.primary ?? [...before.servers.keys()];
  const primaryAfter = after.primary ?? [...after.servers.keys()];
  if (before.primary || after.primary) {
    for (const s of minus(primaryAfter, primaryBefore)) changes.push({ kind: 'primary-server-added', cluster, server: s });
    for (const s of minus(primaryBefore, primaryAfter)) changes.push({ kind: 'primary-server-removed', cluster, server: s });
  }
  return changes;
}

function clusterChanges(a: RoutingSummary, b: RoutingSummary): PluginCfgChange[] {
  const changes: PluginCfgChange[] = [];
  for (const [name, after] of b.clusters) {
    const before = a.clusters.get(name);
    if (!before) changes.push({ kind: 'server-cluster-added', name, servers: [...after.servers.values()] });
    else changes.push(...serverChanges(a, b, name, before, after));
  }
  for (const [name, before] of a.clusters) {
    if (!b.clusters.has(name)) changes.push({ kind: 'server-cluster-removed', name, servers: [...before.servers.values()] });
  }
  return changes;
}

function namedChanges<K extends PluginCfgChange['kind']>(before: string[], after: string[], added: K, removed: K): { kind: K; name: string }[] {
  return [...minus(after, before).map((name) => ({ kind: added, name })), ...minus(before, after).map((name) => ({ kind: removed, name }))];
}

/** The routing changes from `a` to `b`; an empty list when they route alike. Throws PluginCfgError on bad XML. */
export function diffPluginCfg(a: string, b: string): PluginCfgChange[] {
  const before = summarize(a);
  const after = summarize(b);
  const beforeRoutes = new Set(before.routes.map(routeKey));
  const afterRoutes = new Set(after.routes.map(routeKey));
  return [
    ...(before.refresh !== after.refresh ? [{ kind: 'refresh-interval-changed' as const, ...(before.refresh !== undefined ? { from: before.refresh } : {}), ...(after.refresh !== undefined ? { to: after.refresh } : {}) }] : []),
    ...(namedChanges(before.virtualHostGroups, after.virtualHostGroups, 'virtual-host-group-added', 'virtual-host-group-removed') as PluginCfgChange[]),
    ...clusterChanges(before, after),
    ...(namedChanges(before.uriGroups, after.uriGroups, 'uri-group-added', 'uri-group-removed') as PluginCfgChange[]),
    ...after.routes.filter((r) => !beforeRoutes.has(routeKey(r))).map((route) => ({ kind: 'route-added' as const, route })),
    ...before.routes.filter((r) => !afterRoutes.has(routeKey(r))).map((route) => ({ kind: 'route-removed' as const, route })),
  ];
}

function describe(s: PluginCfgServer): string {
  return `${s.name} (${s.cloneId ? `clone ${s.cloneId}, ` : ''}${s.host}:${s.port}, weight ${s.weight})`;
}

/** The line for a change inside its ServerCluster's block, or undefined for a top-level change. */
function clusterLine(c: PluginCfgChange): string | undefined {
  switch (c.kind) {
    case 'server-added':
      return `  + Server ${describe(c.server)}${c.movedFrom ? `, moved from ${c.movedFrom}` : ''}`;
    case 'server-removed':
      return `  - Server ${describe(c.server)}${c.movedTo ? `, moved to ${c.movedTo}` : ''}`;
    case 'weight-changed':
      return `  ~ Server ${c.server} LoadBalanceWeight ${c.from} -> ${c.to}`;
    case 'primary-server-added':
      return `  + PrimaryServers ${c.server}`;
    case 'primary-server-removed':
      return `  - PrimaryServers ${c.server}`;
    default:
      return undefined;
  }
}

function topLine(c: PluginCfgChange): string {
  switch (c.kind) {
    case 'refresh-interval-changed':
      return `~ RefreshInterval ${c.from ?? '(default)'} -> ${c.to ?? '(default)'}`;
    case 'virtual-host-group-added':
      return `+ VirtualHostGroup ${c.name}`;
    case 'virtual-host-group-removed':
      return `- VirtualHostGroup ${c.name}`;
    case 'server-cluster-added':
    case 'server-cluster-removed':
      return `${c.kind === 'server-cluster-added' ? '+' : '-'} ServerCluster ${c.name}${c.servers.map((s) => `\n    ${describe(s)}`).join('')}`;
    case 'uri-group-added':
      return `+ UriGroup ${c.name}`;
    case 'uri-group-removed':
      return `- UriGroup ${c.name}`;
    case 'route-added':
    case 'route-removed':
      return `${c.kind === 'route-added' ? '+' : '-'} Route ${c.route.virtualHostGroup} ${c.route.uriGroup} -> ${c.route.serverCluster}`;
    default:
      return '';
  }
}

/** The changes as a person reads them, grouped by ServerCluster; "no routing changes" when there are none. */
export function renderPluginCfgDiff(changes: readonly PluginCfgChange[]): string {
  if (changes.length === 0) return 'no routing changes\n';
  const lines: string[] = [];
  let cluster: string | undefined;
  for (const change of changes) {
    const inner = clusterLine(change);
    if (inner === undefined) {
      cluster = undefined;
      lines.push(topLine(change));
      continue;
    }
    const name = (change as { cluster: string }).cluster;
    if (name !== cluster) lines.push(`~ ServerCluster ${name}`);
    cluster = name;
    lines.push(inner);
  }
  return `${lines.join('\n')}\n`;
}
