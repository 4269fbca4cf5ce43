/**
 * The loadbalancer.xml edits of seed 004 on whole clusters: define one ("Defining a Cluster"),
 * remove one ("Removing a Cluster", step 3) and set its health checker. Like the instance edits,
 * each keeps the rest of the file byte for byte and returns the same bytes for what is already so.
 */
import type { XmlElement } from '../xml/xml-document';
import { appendElements, attribute, childElements, createElement, indentOf, insertAfter, insertBefore, removeElement } from '../xml/xml-edit';
import { defaultDisableTimeoutMinutes, defaultHealthChecker, readLbCluster, type LbHealthChecker } from './config';
import { editLoadBalancerXml, findCluster, LoadBalancerXmlError, requireCluster } from './loadbalancer-xml-document';
import { checkMinutes, instanceElement, placeInCluster, setLbAttribute, type NewInstance } from './operations';

/** A web module to add with a new cluster. */
export interface NewWebModule {
  contextRoot: string;
  /** Default true. */
  enabled?: boolean;
  /** Default 31. */
  disableTimeoutMinutes?: number;
}

/** A cluster to add, with its instances, web modules and health checker. */
export interface NewCluster {
  name: string;
  instances?: NewInstance[];
  webModules?: NewWebModule[];
  healthChecker?: LbHealthChecker;
}

/** The `web-module` element for `module`, attributes in the seed's order. */
export function webModuleElement(module: NewWebModule): XmlElement {
  return createElement('web-module', {
    'context-root': module.contextRoot,
    enabled: String(module.enabled ?? true),
    'disable-timeout-in-minutes': checkMinutes(module.disableTimeoutMinutes ?? defaultDisableTimeoutMinutes, module.contextRoot),
  });
}

function checkHealthChecker(hc: LbHealthChecker): void {
  if (!hc.url.startsWith('/')) throw new LoadBalancerXmlError(`health-checker url must be a path starting with '/', not ${JSON.stringify(hc.url)}`);
  for (const [what, seconds] of [['interval-in-seconds', hc.intervalSeconds], ['time-out-in-seconds', hc.timeoutSeconds]] as const) {
    if (!Number.isFinite(seconds) || seconds <= 0) throw new LoadBalancerXmlError(`health-checker ${what} must be a positive number of seconds, not ${seconds}`);
  }
}

/** The `health-checker` element for `hc`. */
export function healthCheckerElement(hc: LbHealthChecker): XmlElement {
  checkHealthChecker(hc);
  return createElement('health-checker', { url: hc.url, 'interval-in-seconds': String(hc.intervalSeconds), 'time-out-in-seconds': String(hc.timeoutSeconds) });
}

/** A whole `cluster` element, its children on their own lines below `indent` (the cluster's own indentation). */
export function clusterElement(cluster: NewCluster, indent: string): XmlElement {
  const element = createElement('cluster', { name: cluster.name });
  const children = [...(cluster.instances ?? []).map(instanceElement), ...(cluster.webModules ?? []).map(webModuleElement), ...(cluster.healthChecker ? [healthCheckerElement(cluster.healthChecker)] : [])];
  appendElements(
    element,
    children.map((e) => ({ element: e })),
    indent,
  );
  return element;
}

/** Whether `found` already says what `wanted` asks, by meaning (defaults applied). */
function sameCluster(found: XmlElement, wanted: NewCluster): boolean {
  const have = readLbCluster(found);
  const want = readLbCluster(clusterElement(wanted, ''));
  return JSON.stringify(have) === JSON.stringify(want);
}

/**
 * Adds a cluster after the last one (before the `property` elements, as GlassFish's DTD orders
 * them). Adding one that is already there as asked returns the same bytes; a different one of that
 * name is an error.
 */
export function addCluster(xml: string, cluster: NewCluster): string {
  return editLoadBalancerXml(xml, (root) => {
    const existing = findCluster(root, cluster.name);
    if (existing) {
      if (sameCluster(existing, cluster)) return;
      throw new LoadBalancerXmlError(`cluster ${cluster.name} is already in the file (line ${existing.line}) with other contents`);
    }
    const last = childElements(root, 'cluster').at(-1);
    const firstProperty = childElements(root, 'property')[0];
    const sibling = last ?? firstProperty;
    const indent = (sibling && indentOf(root, sibling)) ?? '  ';
    const element = clusterElement(cluster, indent);
    if (last) insertAfter(root, last, [{ element }]);
    else if (firstProperty) insertBefore(root, firstProperty, [{ element }]);
    else appendElements(root, [{ element }], '');
  });
}

/**
 * Removes a cluster with its instances, web modules and health checker (seed: "Removing a
 * Cluster", step 3, after its web modules are quiesced). `missingOk` makes a retry a no-op.
 */
export function removeCluster(xml: string, args: { cluster: string; missingOk?: boolean }): string {
  return editLoadBalancerXml(xml, (root) => {
    if (args.missingOk && !findCluster(root, args.cluster)) return;
    removeElement(root, requireCluster(root, args.cluster));
  });
}

/**
 * Sets a cluster's health checker: the URL suffixed to each listener, and the interval and timeout
 * in seconds. An existing element keeps its place and any attribute already meaning the same
 * (a missing interval means 30, a missing timeout 10); a missing element goes last in the cluster.
 */
export function setHealthChecker(xml: string, args: { cluster: string } & LbHealthChecker): string {
  const wanted: LbHealthChecker = { url: args.url, intervalSeconds: args.intervalSeconds, timeoutSeconds: args.timeoutSeconds };
  checkHealthChecker(wanted);
  return editLoadBalancerXml(xml, (root) => {
    const cluster = requireCluster(root, args.cluster);
    const hc = childElements(cluster, 'health-checker')[0];
    if (!hc) return placeInCluster(root, cluster, healthCheckerElement(wanted), []);
    const fields = [
      ['url', wanted.url, defaultHealthChecker.url],
      ['interval-in-seconds', wanted.intervalSeconds, defaultHealthChecker.intervalSeconds],
      ['time-out-in-seconds', wanted.timeoutSeconds, defaultHealthChecker.timeoutSeconds],
    ] as const;
    for (const [name, value, fallback] of fields) {
      const current = attribute(hc, name) ?? String(fallback);
      const same = typeof value === 'number' ? Number(current) === value : current === value;
      if (!same) setLbAttribute(hc, name, String(value));
    }
  });
}
