/**
 * The plugin-cfg.xml edits of seed 002's single cell, multiple cluster procedure and its
 * dormant-cell variation. Each takes file text and returns file text; everything it does not mean
 * to change comes out byte for byte as it went in.
 *
 * - step D/E (Listing 3): `transitionPluginCfg` moves N+1 servers into the active cluster and
 *   drains the version N members to LoadBalanceWeight 0;
 * - step F: `finalPluginCfg` is the file the N+1 cluster would generate on its own;
 * - variation: `mergePluginCfg` joins the files of two cells.
 */
import { PluginCfgError, parsePluginCfgDocument, renderPluginCfgDocument, type XmlElement } from './plugin-cfg-document';
import { appendElements, attribute, childElements, createElement, indentOf, insertAfter, insertBefore, removeElement, removeElements, setAttribute, type Carried } from './xml-edit';

/** Which cluster takes traffic, which one moves in, and (cumulatively) how far the move has gone. */
export interface TransitionOptions {
  /** The active (version N) ServerCluster, which keeps its name and takes the N+1 servers in. */
  active: string;
  /** The incoming (version N+1) ServerCluster. */
  incoming: string;
  /** The incoming servers moved so far, earlier groups included; all of them when absent. */
  servers?: string[];
  /** The active cluster's own members set to LoadBalanceWeight 0, earlier groups included; all when absent. */
  drain?: string[];
}

/** One Server of a ServerCluster, as the plug-in routes to it. */
export interface PluginCfgServer {
  cluster: string;
  name: string;
  cloneId?: string;
  weight: number;
  host: string;
  port: number;
}

/** The UriGroup name GenPluginCfg gives a cluster's application on a virtual host. */
export function genPluginCfgUriGroupName(vhost: string, cluster: string): string {
  return `${vhost}_${cluster}_URIs`;
}

const nameOf = (element: XmlElement): string => attribute(element, 'Name') ?? '';
const serversOf = (cluster: XmlElement): XmlElement[] => childElements(cluster, 'Server');
const serverLists = (cluster: XmlElement): XmlElement[] => childElements(cluster).filter((e) => e.name === 'PrimaryServers' || e.name === 'BackupServers');
const routesOf = (root: XmlElement, cluster: string): XmlElement[] => childElements(root, 'Route').filter((r) => attribute(r, 'ServerCluster') === cluster);

function findCluster(root: XmlElement, name: string): XmlElement | undefined {
  return childElements(root, 'ServerCluster').find((c) => nameOf(c) === name);
}

function unknownCluster(root: XmlElement, name: string): PluginCfgError {
  const known = childElements(root, 'ServerCluster').map(nameOf);
  return new PluginCfgError(`unknown ServerCluster ${name} (the file has ${known.join(', ') || 'none'})`);
}

function requireCluster(root: XmlElement, name: string): XmlElement {
  const cluster = findCluster(root, name);
  if (!cluster) throw unknownCluster(root, name);
  return cluster;
}

function requireDistinct(opts: { active: string; incoming: string }): void {
  if (opts.active === opts.incoming) throw new PluginCfgError(`active and incoming are the same ServerCluster ${opts.active}`);
}

/** The servers to move and to drain, checked against the file. */
interface TransitionPlan {
  active: XmlElement;
  incoming: XmlElement | undefined;
  moves: XmlElement[];
  drain: XmlElement[];
}

function checkNoOverlap(active: XmlElement, incoming: XmlElement | undefined): void {
  const activeNames = new Set(serversOf(active).map(nameOf));
  const both = (incoming ? serversOf(incoming) : []).map(nameOf).filter((n) => activeNames.has(n));
  if (both.length) throw new PluginCfgError(`Server(s) ${both.join(', ')} in both ${nameOf(active)} and ${incoming ? nameOf(incoming) : ''}`);
}

/**
 * A file without the incoming cluster is accepted only as this function's own completed output
 * (so re-applying it is a no-op): some active member must already be drained. Otherwise the name
 * is a mistake.
 */
function checkCompleted(root: XmlElement, active: XmlElement, opts: TransitionOptions): void {
  if (!serversOf(active).some((s) => attribute(s, 'LoadBalanceWeight') === '0')) throw unknownCluster(root, opts.incoming);
}

/** The active cluster's own members: all but the moved-in ones. */
function ownMembers(active: XmlElement, incoming: XmlElement | undefined, moving: ReadonlySet<string>, opts: TransitionOptions): XmlElement[] {
  const servers = serversOf(active);
  // A completed file moved "all" without naming them; its own members are the drained ones.
  if (!incoming && !opts.servers) return opts.drain ? servers : servers.filter((s) => attribute(s, 'LoadBalanceWeight') === '0');
  return servers.filter((s) => !moving.has(nameOf(s)));
}

function resolveTransition(root: XmlElement, opts: TransitionOptions): TransitionPlan {
  requireDistinct(opts);
  const active = requireCluster(root, opts.active);
  const incoming = findCluster(root, opts.incoming);
  checkNoOverlap(active, incoming);
  if (!incoming) checkCompleted(root, active, opts);
  const incomingNames = new Set((incoming ? serversOf(incoming) : []).map(nameOf));
  const activeNames = new Set(serversOf(active).map(nameOf));
  const moving = new Set(opts.servers ?? incomingNames);
  const unknown = [...moving].filter((n) => !incomingNames.has(n) && !activeNames.has(n));
  if (unknown.length) throw new PluginCfgError(`unknown server(s) ${unknown.join(', ')}: not in ${opts.incoming} (${[...incomingNames].join(', ') || 'no servers'}) nor already moved into ${opts.active}`);
  const own = ownMembers(active, incoming, moving, opts);
  const ownNames = new Set(own.map(nameOf));
  const drainNames = new Set(opts.drain ?? ownNames);
  const notOwn = [...drainNames].filter((n) => !ownNames.has(n));
  if (notOwn.length) throw new PluginCfgError(`cannot drain ${notOwn.join(', ')}: not ${opts.active}'s own member(s) (${[...ownNames].join(', ') || 'none'})`);
  return {
    active,
    incoming,
    moves: incoming ? serversOf(incoming).filter((s) => moving.has(nameOf(s))) : [],
    drain: own.filter((s) => drainNames.has(nameOf(s))),
  };
}

/** Moves the servers' PrimaryServers entries along (or writes them) when the active cluster lists its primaries. */
function movePrimaryEntries(active: XmlElement, incoming: XmlElement, names: readonly string[]): void {
  const wanted = new Set(names);
  const entries = new Map<string, Carried>();
  for (const list of serverLists(incoming)) {
    for (const carried of removeElements(list, childElements(list, 'Server').filter((e) => wanted.has(nameOf(e))))) {
      if (!entries.has(nameOf(carried.element))) entries.set(nameOf(carried.element), carried);
    }
  }
  const primary = childElements(active, 'PrimaryServers')[0];
  // Without PrimaryServers every server is primary already.
  if (!primary) return;
  const items = names.map((name) => entries.get(name) ?? { element: createElement('Server', { Name: name }) });
  appendElements(primary, items, indentOf(active, primary) ?? '');
}

/** Moves `servers` (in file order) after the active cluster's last Server, in one pass each way. */
function moveServers(root: XmlElement, active: XmlElement, incoming: XmlElement, servers: readonly XmlElement[]): void {
  if (servers.length === 0) return;
  const carried = removeElements(incoming, servers);
  const last = serversOf(active).at(-1);
  const list = serverLists(active)[0];
  if (last) insertAfter(active, last, carried);
  else if (list) insertBefore(active, list, carried);
  else appendElements(active, carried, indentOf(root, active) ?? '');
  movePrimaryEntries(active, incoming, servers.map(nameOf));
}

/** Removes a ServerCluster with its Routes and the UriGroups no other Route uses (step E). */
function removeCluster(root: XmlElement, cluster: XmlElement): void {
  const name = nameOf(cluster);
  removeElement(root, cluster);
  const routes = routesOf(root, name);
  for (const route of routes) removeElement(root, route);
  const groups = new Set(routes.map((r) => attribute(r, 'UriGroup')));
  const stillUsed = new Set(childElements(root, 'Route').map((r) => attribute(r, 'UriGroup')));
  for (const group of childElements(root, 'UriGroup')) {
    if (groups.has(nameOf(group)) && !stillUsed.has(nameOf(group))) removeElement(root, group);
  }
}

/**
 * Listing 3: the incoming servers named in `servers` join the active ServerCluster (after its own
 * servers, weights and Transports as they were) and its PrimaryServers; the active members named in
 * `drain` go to LoadBalanceWeight 0. An incoming cluster left without servers goes, with its
 * UriGroups and Routes. `servers` and `drain` are cumulative, so applying the same options to the
 * output gives the same bytes. Throws PluginCfgError naming unknown clusters or servers.
 */
export function transitionPluginCfg(xml: string, opts: TransitionOptions): string {
  const doc = parsePluginCfgDocument(xml);
  const plan = resolveTransition(doc.root, opts);
  if (plan.incoming) moveServers(doc.root, plan.active, plan.incoming, plan.moves);
  for (const server of plan.drain) setAttribute(server, 'LoadBalanceWeight', '0');
  if (plan.incoming && serversOf(plan.incoming).length === 0) removeCluster(doc.root, plan.incoming);
  return renderPluginCfgDocument(doc);
}

/**
 * Sets LoadBalanceWeight 0 for the named servers of `cluster`: they keep the sessions that reach
 * them by clone ID and take no new ones. Used to make servers known to every plug-in before any
 * plug-in sends them new sessions, and for the rollback's hold file.
 */
export function zeroWeightsPluginCfg(xml: string, opts: { cluster: string; servers: readonly string[] }): string {
  const doc = parsePluginCfgDocument(xml);
  const cluster = requireCluster(doc.root, opts.cluster);
  const known = new Set(serversOf(cluster).map(nameOf));
  const unknown = opts.servers.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new PluginCfgError(`ServerCluster ${opts.cluster} has no server(s) ${unknown.join(', ')}`);
  for (const server of serversOf(cluster)) if (opts.servers.includes(nameOf(server))) setAttribute(server, 'LoadBalanceWeight', '0');
  return renderPluginCfgDocument(doc);
}

/**
 * The rollback's hold file: the moved incoming servers stay in the active ServerCluster, so their
 * sessions still reach them by clone ID, but at LoadBalanceWeight 0; the active members keep their
 * own weights, so version N takes every new session. Once those sessions have ended, the starting
 * file can go back without breaking anyone's session.
 */
export function holdPluginCfg(xml: string, opts: { active: string; incoming: string; servers: string[] }): string {
  return zeroWeightsPluginCfg(transitionPluginCfg(xml, { ...opts, drain: [] }), { cluster: opts.active, servers: opts.servers });
}

/** Points every Route using UriGroup `from` at `to`, renaming the group (or dropping it when `to` exists). */
function renameUriGroup(root: XmlElement, from: string, to: string): void {
  const groups = childElements(root, 'UriGroup');
  const source = groups.find((g) => nameOf(g) === from);
  const exists = groups.some((g) => nameOf(g) === to);
  for (const route of childElements(root, 'Route').filter((r) => attribute(r, 'UriGroup') === from)) setAttribute(route, 'UriGroup', to);
  if (!source) return;
  if (exists) removeElement(root, source);
  else setAttribute(source, 'Name', to);
}

function removeDuplicateRoutes(root: XmlElement, cluster: string): void {
  const seen = new Set<string>();
  for (const route of routesOf(root, cluster)) {
    const key = `${attribute(route, 'UriGroup')}\n${attribute(route, 'VirtualHostGroup')}`;
    if (seen.has(key)) removeElement(root, route);
    seen.add(key);
  }
}

/**
 * Step F: the file the N+1 cluster generates on its own, from the step-B file. The active
 * cluster's ServerCluster, UriGroups and Routes go; the incoming cluster's Routes move to the
 * virtual host the active cluster's Route used, with the UriGroup renamed as GenPluginCfg names it.
 */
export function finalPluginCfg(xml: string, opts: { active: string; incoming: string }): string {
  requireDistinct(opts);
  const doc = parsePluginCfgDocument(xml);
  const root = doc.root;
  const active = requireCluster(root, opts.active);
  requireCluster(root, opts.incoming);
  const vhost = routesOf(root, opts.active)
    .map((r) => attribute(r, 'VirtualHostGroup'))
    .find(Boolean);
  if (!vhost) throw new PluginCfgError(`${opts.active} has no Route with a VirtualHostGroup: cannot tell the production virtual host`);
  if (routesOf(root, opts.incoming).length === 0) throw new PluginCfgError(`${opts.incoming} has no Route`);
  removeCluster(root, active);
  const group = genPluginCfgUriGroupName(vhost, opts.incoming);
  for (const route of routesOf(root, opts.incoming)) {
    const from = attribute(route, 'UriGroup');
    if (from !== undefined && from !== group) renameUriGroup(root, from, group);
    else setAttribute(route, 'UriGroup', group);
    setAttribute(route, 'VirtualHostGroup', vhost);
  }
  removeDuplicateRoutes(root, opts.incoming);
  return renderPluginCfgDocument(doc);
}

const mergeRank: Record<string, number> = { VirtualHostGroup: 0, ServerCluster: 1, UriGroup: 2, Route: 2 };

function mergeKey(e: XmlElement): string {
  if (e.name !== 'Route') return `${e.name}\n${nameOf(e)}`;
  return ['Route', 'ServerCluster', 'UriGroup', 'VirtualHostGroup'].map((a) => (a === 'Route' ? a : (attribute(e, a) ?? ''))).join('\n');
}

/** Puts a carried element after the last of its kind, else before the first later kind, else after the last earlier kind. */
function placeMerged(root: XmlElement, element: XmlElement, fromIndent: string | undefined, scale: number): void {
  const rank = mergeRank[element.name] as number;
  const ranked = childElements(root).filter((e) => mergeRank[e.name] !== undefined);
  const rankOf = (e: XmlElement): number => mergeRank[e.name] as number;
  const sameKind = ranked.filter((e) => rankOf(e) === rank).at(-1);
  const later = ranked.find((e) => rankOf(e) > rank);
  const earlier = ranked.filter((e) => rankOf(e) < rank).at(-1);
  const items = [{ element, fromIndent }];
  if (sameKind) insertAfter(root, sameKind, items, scale);
  else if (later) insertBefore(root, later, items, scale);
  else if (earlier) insertAfter(root, earlier, items, scale);
  else appendElements(root, items, '', scale);
}

function firstIndent(root: XmlElement): string | undefined {
  const first = childElements(root)[0];
  return first ? indentOf(root, first) : undefined;
}

/** How much deeper each nesting step is in the target file than in the source (4 -> 2 spaces: 0.5). */
function indentScale(from: string | undefined, to: string | undefined): number {
  const spaces = /^ +$/;
  return from && to && spaces.test(from) && spaces.test(to) ? to.length / from.length : 1;
}

/**
 * The dormant-cell variation: one file with the routing of both cells. `primary` comes through
 * whole; `other`'s VirtualHostGroups, ServerClusters, UriGroups and Routes that `primary` lacks
 * (same element and Name; Routes by all three attributes) join it, each after the last of its
 * kind. `other`'s remaining top-level elements (Log, Property, ...) and comments are dropped.
 */
export function mergePluginCfg(primary: string, other: string): string {
  const doc = parsePluginCfgDocument(primary);
  const from = parsePluginCfgDocument(other).root;
  const have = new Set(childElements(doc.root).map(mergeKey));
  const scale = indentScale(firstIndent(from), firstIndent(doc.root));
  for (const element of childElements(from).filter((e) => mergeRank[e.name] !== undefined)) {
    const key = mergeKey(element);
    if (have.has(key)) continue;
    have.add(key);
    placeMerged(doc.root, element, indentOf(from, element), scale);
  }
  return renderPluginCfgDocument(doc);
}

function numberAttribute(server: XmlElement, element: XmlElement, name: string, fallback?: string): number {
  const text = attribute(element, name) ?? fallback;
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value)) {
    throw new PluginCfgError(`line ${element.line}: Server ${nameOf(server)}: ${element.name} ${name} ${text === undefined ? 'is missing' : `"${text}" is not a number`}`);
  }
  return value;
}

/** One Server element as the plug-in sees it: the plain-HTTP Transport first, as the plug-in prefers. */
export function describeServer(cluster: string, server: XmlElement): PluginCfgServer {
  const transports = childElements(server, 'Transport');
  const transport = transports.find((t) => attribute(t, 'Protocol') !== 'https') ?? transports[0];
  if (!transport) throw new PluginCfgError(`line ${server.line}: Server ${nameOf(server)} has no Transport`);
  const cloneId = attribute(server, 'CloneID');
  return {
    cluster,
    name: nameOf(server),
    ...(cloneId !== undefined ? { cloneId } : {}),
    // The plug-in's default weight when the attribute is absent.
    weight: numberAttribute(server, server, 'LoadBalanceWeight', '1'),
    host: attribute(transport, 'Hostname') ?? '',
    port: numberAttribute(server, transport, 'Port'),
  };
}

/** Every Server of every ServerCluster, in file order. */
export function pluginCfgServers(xml: string): PluginCfgServer[] {
  const root = parsePluginCfgDocument(xml).root;
  return childElements(root, 'ServerCluster').flatMap((c) => serversOf(c).map((s) => describeServer(nameOf(c), s)));
}
