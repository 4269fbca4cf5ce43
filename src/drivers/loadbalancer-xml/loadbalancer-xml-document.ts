/**
 * loadbalancer.xml (seed 004) as the shared lossless XML document: `<loadbalancer>` as the root,
 * its errors, and the lookups every operation needs. An unknown name is an
 * {@link UnknownLoadBalancerNameError} that lists what the file does have, so a typo in a CLI flag
 * or an estate is fixed from the message alone.
 *
 * Pure: no I/O.
 */
import { parseXmlDocument, renderXmlDocument, type XmlDocument, type XmlElement } from '../xml/xml-document';
import { attribute, childElements } from '../xml/xml-edit';

/** A loadbalancer.xml that cannot be read or changed as asked, with what is wrong and where. */
export class LoadBalancerXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadBalancerXmlError';
  }
}

/** The kinds of named things an operation looks up. */
export type LoadBalancerXmlThing = 'cluster' | 'instance' | 'web-module';

/** A cluster, instance or web module the file does not have; `known` lists those it has. */
export class UnknownLoadBalancerNameError extends LoadBalancerXmlError {
  constructor(
    readonly thing: LoadBalancerXmlThing,
    readonly wanted: string,
    readonly known: readonly string[],
    /** The cluster searched, for instances and web modules. */
    readonly cluster?: string,
  ) {
    const where = cluster === undefined ? 'the file has' : 'it has';
    super(`unknown ${thing} ${wanted}${cluster === undefined ? '' : ` in cluster ${cluster}`} (${where} ${known.join(', ') || 'none'})`);
    this.name = 'UnknownLoadBalancerNameError';
  }
}

/** The whole file: top-level nodes in order, one of which is the `<loadbalancer>` root. */
export type LoadBalancerXmlDocument = XmlDocument;

/** Parses loadbalancer.xml; the root must be `<loadbalancer>`. Throws LoadBalancerXmlError saying what and on which line. */
export function parseLoadBalancerXmlDocument(xml: string): LoadBalancerXmlDocument {
  return parseXmlDocument(xml, { root: 'loadbalancer', error: (message) => new LoadBalancerXmlError(message) });
}

/** Renders a document (or one element) back to text; an untouched parse renders byte for byte as read. */
export { renderXmlDocument as renderLoadBalancerXmlDocument } from '../xml/xml-document';

/**
 * The order in which the seed (and GlassFish's DTD) write each element's attributes; a new
 * attribute is put where this order places it, so an added `enabled="false"` lands after `name`.
 */
export const attributeOrder: Readonly<Record<string, readonly string[]>> = {
  loadbalancer: ['name'],
  cluster: ['name', 'policy'],
  instance: ['name', 'enabled', 'disable-timeout-in-minutes', 'listeners', 'weight'],
  'web-module': ['context-root', 'enabled', 'disable-timeout-in-minutes', 'error-url'],
  'health-checker': ['url', 'interval-in-seconds', 'time-out-in-seconds'],
  property: ['name', 'value'],
};

/** The value of the attribute that names an element (`context-root` for a web module). */
export function keyOf(element: XmlElement): string {
  return attribute(element, element.name === 'web-module' ? 'context-root' : 'name') ?? '';
}

/** The cluster named `name`, or undefined. */
export function findCluster(root: XmlElement, name: string): XmlElement | undefined {
  return childElements(root, 'cluster').find((c) => keyOf(c) === name);
}

/** The cluster named `name`; throws UnknownLoadBalancerNameError listing the clusters. */
export function requireCluster(root: XmlElement, name: string): XmlElement {
  const found = findCluster(root, name);
  if (!found) throw new UnknownLoadBalancerNameError('cluster', name, childElements(root, 'cluster').map(keyOf));
  return found;
}

/** The `instance` or `web-module` child of `cluster` keyed `key`; throws UnknownLoadBalancerNameError listing its siblings. */
export function requireMember(cluster: XmlElement, thing: 'instance' | 'web-module', key: string): XmlElement {
  const all = childElements(cluster, thing);
  const found = all.find((e) => keyOf(e) === key);
  if (!found) throw new UnknownLoadBalancerNameError(thing, key, all.map(keyOf), keyOf(cluster));
  return found;
}

/**
 * Parses `xml`, lets `change` edit the root, and renders the result. An edit that changes nothing
 * returns `xml` itself: a load balancer reloads on any new timestamp and restarts a quiescing on
 * reload, so "already so" must never become a write.
 */
export function editLoadBalancerXml(xml: string, change: (root: XmlElement) => void): string {
  const doc = parseLoadBalancerXmlDocument(xml);
  change(doc.root);
  return renderXmlDocument(doc);
}
