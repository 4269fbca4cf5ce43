/**
 * What changed between two loadbalancer.xml files, by cluster, instance, web module and attribute,
 * so that a person approving a step reads "ServerA1 enabled true -> false (starts quiescing)"
 * rather than a text diff of XML. Compared by meaning: a missing attribute is its default.
 */
import { readLoadBalancerConfig, type LbCluster, type LbHealthChecker, type LbInstance, type LbWebModule } from './config';

/** An instance attribute the diff compares. */
export type LbInstanceAttribute = 'enabled' | 'disable-timeout-in-minutes' | 'listeners';
/** A web-module attribute the diff compares. */
export type LbWebModuleAttribute = 'enabled' | 'disable-timeout-in-minutes';
/** A health-checker attribute the diff compares. */
export type LbHealthCheckerAttribute = 'url' | 'interval-in-seconds' | 'time-out-in-seconds';

/** One change, from file `a` to file `b`. Attribute values are as the file means them (defaults applied). */
export type LoadBalancerXmlChange =
  | { kind: 'name-changed'; from: string; to: string }
  | { kind: 'property-changed'; name: string; from?: string; to?: string }
  | { kind: 'cluster-added' | 'cluster-removed'; cluster: LbCluster }
  | { kind: 'instance-added' | 'instance-removed'; cluster: string; instance: LbInstance }
  | { kind: 'instance-changed'; cluster: string; instance: string; attribute: LbInstanceAttribute; from: string; to: string }
  | { kind: 'web-module-added' | 'web-module-removed'; cluster: string; webModule: LbWebModule }
  | { kind: 'web-module-changed'; cluster: string; contextRoot: string; attribute: LbWebModuleAttribute; from: string; to: string }
  | { kind: 'health-checker-added' | 'health-checker-removed'; cluster: string; healthChecker: LbHealthChecker }
  | { kind: 'health-checker-changed'; cluster: string; attribute: LbHealthCheckerAttribute; from: string; to: string };

/** The changes inside one cluster. */
type ClusterChange = Extract<LoadBalancerXmlChange, { cluster: string }>;

function keyed<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  return new Map(items.map((t) => [key(t), t]));
}

/** Added, removed and common members of two keyed lists, each in file order. */
function compare<T>(before: readonly T[], after: readonly T[], key: (t: T) => string): { added: T[]; removed: T[]; both: [T, T][] } {
  const a = keyed(before, key);
  const b = keyed(after, key);
  return {
    added: after.filter((t) => !a.has(key(t))),
    removed: before.filter((t) => !b.has(key(t))),
    both: after.filter((t) => a.has(key(t))).map((t) => [a.get(key(t)) as T, t]),
  };
}

/** The attributes named in `fields` whose values differ, as strings. */
function attributeChanges<A extends string, T>(fields: readonly (readonly [A, (x: T) => unknown])[], before: T, after: T): { attribute: A; from: string; to: string }[] {
  const text = (v: unknown): string => (Array.isArray(v) ? v.join(' ') : String(v));
  return fields.map(([attribute, get]) => ({ attribute, from: text(get(before)), to: text(get(after)) })).filter((c) => c.from !== c.to);
}

const instanceFields = [
  ['enabled', (i: LbInstance) => i.enabled],
  ['disable-timeout-in-minutes', (i: LbInstance) => i.disableTimeoutMinutes],
  ['listeners', (i: LbInstance) => i.listeners],
] as const;
const webModuleFields = [
  ['enabled', (w: LbWebModule) => w.enabled],
  ['disable-timeout-in-minutes', (w: LbWebModule) => w.disableTimeoutMinutes],
] as const;
const healthCheckerFields = [
  ['url', (h: LbHealthChecker) => h.url],
  ['interval-in-seconds', (h: LbHealthChecker) => h.intervalSeconds],
  ['time-out-in-seconds', (h: LbHealthChecker) => h.timeoutSeconds],
] as const;

function healthCheckerChanges(cluster: string, a: LbHealthChecker | undefined, b: LbHealthChecker | undefined): ClusterChange[] {
  if (!a && b) return [{ kind: 'health-checker-added', cluster, healthChecker: b }];
  if (a && !b) return [{ kind: 'health-checker-removed', cluster, healthChecker: a }];
  if (!a || !b) return [];
  return attributeChanges(healthCheckerFields, a, b).map((c) => ({ kind: 'health-checker-changed', cluster, ...c }));
}

function clusterChanges(a: LbCluster, b: LbCluster): ClusterChange[] {
  const cluster = b.name;
  const instances = compare(a.instances, b.instances, (i) => i.name);
  const modules = compare(a.webModules, b.webModules, (w) => w.contextRoot);
  return [
    ...instances.both.flatMap(([x, y]) => attributeChanges(instanceFields, x, y).map((c) => ({ kind: 'instance-changed' as const, cluster, instance: y.name, ...c }))),
    ...instances.added.map((instance) => ({ kind: 'instance-added' as const, cluster, instance })),
    ...instances.removed.map((instance) => ({ kind: 'instance-removed' as const, cluster, instance })),
    ...modules.both.flatMap(([x, y]) => attributeChanges(webModuleFields, x, y).map((c) => ({ kind: 'web-module-changed' as const, cluster, contextRoot: y.contextRoot, ...c }))),
    ...modules.added.map((webModule) => ({ kind: 'web-module-added' as const, cluster, webModule })),
    ...modules.removed.map((webModule) => ({ kind: 'web-module-removed' as const, cluster, webModule })),
    ...healthCheckerChanges(cluster, a.healthChecker, b.healthChecker),
  ];
}

/** The changes from `a` to `b`; an empty list when they mean the same. Throws LoadBalancerXmlError on a bad file. */
export function diffLoadBalancerXml(a: string, b: string): LoadBalancerXmlChange[] {
  const before = readLoadBalancerConfig(a);
  const after = readLoadBalancerConfig(b);
  const clusters = compare(before.clusters, after.clusters, (c) => c.name);
  const names = [...new Set([...Object.keys(before.properties), ...Object.keys(after.properties)])];
  return [
    ...(before.name !== after.name ? [{ kind: 'name-changed' as const, from: before.name, to: after.name }] : []),
    ...names
      .filter((n) => before.properties[n] !== after.properties[n])
      .map((name) => ({ kind: 'property-changed' as const, name, ...(name in before.properties ? { from: before.properties[name] } : {}), ...(name in after.properties ? { to: after.properties[name] } : {}) })),
    ...clusters.both.flatMap(([x, y]) => clusterChanges(x, y)),
    ...clusters.added.map((cluster) => ({ kind: 'cluster-added' as const, cluster })),
    ...clusters.removed.map((cluster) => ({ kind: 'cluster-removed' as const, cluster })),
  ];
}

function describeInstance(i: LbInstance): string {
  return `${i.name} (${i.enabled ? 'enabled' : 'disabled'}, quiescing ${i.disableTimeoutMinutes} min, ${i.listeners.join(' ')})`;
}

function describeWebModule(w: LbWebModule): string {
  return `${w.contextRoot} (${w.enabled ? 'enabled' : 'disabled'}, quiescing ${w.disableTimeoutMinutes} min)`;
}

function describeHealthChecker(h: LbHealthChecker): string {
  return `${h.url} every ${h.intervalSeconds} s, timeout ${h.timeoutSeconds} s`;
}

/** What an `enabled` change means at the load balancer's next poll. */
function consequence(c: { attribute: string; to: string }): string {
  if (c.attribute !== 'enabled') return '';
  return c.to === 'false' ? ' (starts quiescing)' : ' (takes new sessions)';
}

/** The line for a change inside its cluster's block. */
function clusterLine(c: ClusterChange): string {
  switch (c.kind) {
    case 'instance-added':
    case 'instance-removed':
      return `  ${c.kind === 'instance-added' ? '+' : '-'} instance ${describeInstance(c.instance)}`;
    case 'instance-changed':
      return `  ~ instance ${c.instance} ${c.attribute} ${c.from} -> ${c.to}${consequence(c)}`;
    case 'web-module-added':
    case 'web-module-removed':
      return `  ${c.kind === 'web-module-added' ? '+' : '-'} web-module ${describeWebModule(c.webModule)}`;
    case 'web-module-changed':
      return `  ~ web-module ${c.contextRoot} ${c.attribute} ${c.from} -> ${c.to}${consequence(c)}`;
    case 'health-checker-added':
    case 'health-checker-removed':
      return `  ${c.kind === 'health-checker-added' ? '+' : '-'} health-checker ${describeHealthChecker(c.healthChecker)}`;
    case 'health-checker-changed':
      return `  ~ health-checker ${c.attribute} ${c.from} -> ${c.to}`;
  }
}

function topLine(c: Exclude<LoadBalancerXmlChange, ClusterChange>): string {
  switch (c.kind) {
    case 'name-changed':
      return `~ loadbalancer name ${c.from} -> ${c.to}`;
    case 'property-changed':
      return `~ property ${c.name} ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}`;
    case 'cluster-added':
    case 'cluster-removed': {
      const { cluster } = c;
      const members = [...cluster.instances.map((i) => `instance ${describeInstance(i)}`), ...cluster.webModules.map((w) => `web-module ${describeWebModule(w)}`)];
      return `${c.kind === 'cluster-added' ? '+' : '-'} cluster ${cluster.name}${members.map((m) => `\n    ${m}`).join('')}`;
    }
  }
}

const inCluster = (c: LoadBalancerXmlChange): c is ClusterChange => typeof (c as { cluster?: unknown }).cluster === 'string';

/** The changes as a person reads them, grouped by cluster; "no changes" when there are none. */
export function renderLoadBalancerXmlDiff(changes: readonly LoadBalancerXmlChange[]): string {
  if (changes.length === 0) return 'no changes\n';
  const lines: string[] = [];
  let cluster: string | undefined;
  for (const change of changes) {
    if (!inCluster(change)) {
      cluster = undefined;
      lines.push(topLine(change));
      continue;
    }
    if (change.cluster !== cluster) lines.push(`~ cluster ${change.cluster}`);
    cluster = change.cluster;
    lines.push(clusterLine(change));
  }
  return `${lines.join('\n')}\n`;
}
