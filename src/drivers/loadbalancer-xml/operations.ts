/**
 * The loadbalancer.xml edits of seed 004's "Managing Clusters" on instances and web modules: enable
 * and disable (which starts a quiescing at the next poll), the quiescing period, and adding or
 * removing an instance. Each takes file text and returns file text; everything it does not mean to
 * change comes out byte for byte as it went in.
 *
 * What is already so is left alone, compared by meaning (a missing `enabled` is `true`, a missing
 * `disable-timeout-in-minutes` is 31): the same bytes come back, so no write follows, and no load
 * balancer restarts a quiescing because of a file that did not really change (seed 004, "Modifying
 * the Quiescing Period While Quiescing is On").
 */
import type { XmlElement } from '../xml/xml-document';
import { appendElements, attribute, childElements, createElement, indentOf, insertAfter, insertBefore, removeElement, setAttribute } from '../xml/xml-edit';
import { defaultDisableTimeoutMinutes, readLbInstance, type LbInstance } from './config';
import { attributeOrder, editLoadBalancerXml, keyOf, LoadBalancerXmlError, requireCluster, requireMember } from './loadbalancer-xml-document';

/** An instance of a cluster, by the names the file gives them. */
export interface InstanceRef {
  cluster: string;
  instance: string;
}

/** A web module of a cluster, by its context root (such as `/fortune`). */
export interface WebModuleRef {
  cluster: string;
  contextRoot: string;
}

/** An instance to add; `enabled` and `disableTimeoutMinutes` are written even when they are the defaults. */
export interface NewInstance {
  name: string;
  /** The instance's HTTP listeners, such as `http://127.0.0.1:9381`; written space-separated. */
  listeners: string[];
  /** Default true. */
  enabled?: boolean;
  /** Default 31 (the seed's default). */
  disableTimeoutMinutes?: number;
}

const isTrue = (value: string | undefined): boolean => value === undefined || value.trim().toLowerCase() === 'true';

/** Sets `name` on `element` in the seed's attribute order (the element's own order when it has the attribute). */
export function setLbAttribute(element: XmlElement, name: string, value: string): void {
  setAttribute(element, name, value, attributeOrder[element.name]);
}

/** Sets `enabled`, unless the element already is (a missing attribute means true). */
export function setEnabled(element: XmlElement, enabled: boolean): void {
  if (isTrue(attribute(element, 'enabled')) !== enabled) setLbAttribute(element, 'enabled', String(enabled));
}

/** Checks a quiescing period: a number of minutes, zero or more. */
export function checkMinutes(minutes: number, what: string): string {
  if (!Number.isFinite(minutes) || minutes < 0) throw new LoadBalancerXmlError(`${what}: disable-timeout-in-minutes must be a number of minutes, zero or more, not ${minutes}`);
  return String(minutes);
}

function setMemberEnabled(xml: string, cluster: string, thing: 'instance' | 'web-module', key: string, enabled: boolean): string {
  return editLoadBalancerXml(xml, (root) => setEnabled(requireMember(requireCluster(root, cluster), thing, key), enabled));
}

/** Enables or disables one instance; disabling starts its quiescing when the load balancer next polls. */
export const setInstanceEnabled = (xml: string, ref: InstanceRef & { enabled: boolean }): string => setMemberEnabled(xml, ref.cluster, 'instance', ref.instance, ref.enabled);
/** Sets `enabled="true"` on an instance (seed: "Enable the application server instance"). */
export const enableInstance = (xml: string, ref: InstanceRef): string => setInstanceEnabled(xml, { ...ref, enabled: true });
/** Sets `enabled="false"` on an instance, which starts its quiescing at the next poll. */
export const disableInstance = (xml: string, ref: InstanceRef): string => setInstanceEnabled(xml, { ...ref, enabled: false });

/** Enables or disables one web module of a cluster; disabling quiesces it over the cluster. */
export const setWebModuleEnabled = (xml: string, ref: WebModuleRef & { enabled: boolean }): string => setMemberEnabled(xml, ref.cluster, 'web-module', ref.contextRoot, ref.enabled);
/** Sets `enabled="true"` on a web module of a cluster. */
export const enableWebModule = (xml: string, ref: WebModuleRef): string => setWebModuleEnabled(xml, { ...ref, enabled: true });
/** Sets `enabled="false"` on a web module of a cluster (seed: "Undeploying a Web Application", step 1). */
export const disableWebModule = (xml: string, ref: WebModuleRef): string => setWebModuleEnabled(xml, { ...ref, enabled: false });

/**
 * Enables or disables every instance of a cluster in one edit (seed: "Stopping a Cluster", step 1;
 * "Starting a Cluster", step 6), so one poll starts all their quiescings together.
 */
export function setClusterInstancesEnabled(xml: string, cluster: string, enabled: boolean): string {
  return editLoadBalancerXml(xml, (root) => {
    for (const instance of childElements(requireCluster(root, cluster), 'instance')) setEnabled(instance, enabled);
  });
}

/**
 * Sets the quiescing period of an instance or a web module. Written during a quiescing, it
 * restarts that quiescing with the new period at the next poll (seed: "Modifying the Quiescing
 * Period While Quiescing is On"): callers decide when that is what they want.
 */
export function setDisableTimeout(xml: string, target: (InstanceRef | WebModuleRef) & { minutes: number }): string {
  const value = checkMinutes(target.minutes, 'instance' in target ? target.instance : target.contextRoot);
  return editLoadBalancerXml(xml, (root) => {
    const cluster = requireCluster(root, target.cluster);
    const element = 'instance' in target ? requireMember(cluster, 'instance', target.instance) : requireMember(cluster, 'web-module', target.contextRoot);
    const current = attribute(element, 'disable-timeout-in-minutes');
    if (Number(current ?? defaultDisableTimeoutMinutes) !== target.minutes) setLbAttribute(element, 'disable-timeout-in-minutes', value);
  });
}

/** The `instance` element for `instance`, attributes in the seed's order. */
export function instanceElement(instance: NewInstance): XmlElement {
  const listeners = instance.listeners.map((l) => l.trim());
  if (listeners.length === 0 || listeners.some((l) => l === '' || /\s/.test(l))) throw new LoadBalancerXmlError(`instance ${instance.name}: listeners must be one or more URLs without spaces (got ${JSON.stringify(instance.listeners)})`);
  return createElement('instance', {
    name: instance.name,
    enabled: String(instance.enabled ?? true),
    'disable-timeout-in-minutes': checkMinutes(instance.disableTimeoutMinutes ?? defaultDisableTimeoutMinutes, instance.name),
    listeners: listeners.join(' '),
  });
}

function sameInstance(found: LbInstance, wanted: NewInstance): boolean {
  return (
    found.enabled === (wanted.enabled ?? true) &&
    found.disableTimeoutMinutes === (wanted.disableTimeoutMinutes ?? defaultDisableTimeoutMinutes) &&
    found.listeners.join(' ') === wanted.listeners.map((l) => l.trim()).join(' ')
  );
}

/**
 * Puts `element` among the children of `cluster` where the DTD wants it: after the last sibling of
 * its own kind, else before the first of the kinds that follow it, else last.
 */
export function placeInCluster(root: XmlElement, cluster: XmlElement, element: XmlElement, following: readonly string[]): void {
  const same = childElements(cluster, element.name).at(-1);
  if (same) return insertAfter(cluster, same, [{ element }]);
  const next = childElements(cluster).find((e) => following.includes(e.name));
  if (next) return insertBefore(cluster, next, [{ element }]);
  appendElements(cluster, [{ element }], indentOf(root, cluster) ?? '');
}

/**
 * Adds an instance to a cluster after its last instance (seed: "Adding Application Server
 * Instances to a Cluster"). Adding one that is already there as asked returns the same bytes; one
 * there with other attributes is an error, since adding must not silently re-enable or retime it.
 */
export function addInstance(xml: string, args: { cluster: string; instance: NewInstance }): string {
  const element = instanceElement(args.instance);
  return editLoadBalancerXml(xml, (root) => {
    const cluster = requireCluster(root, args.cluster);
    const existing = childElements(cluster, 'instance').find((i) => keyOf(i) === args.instance.name);
    if (existing) {
      if (sameInstance(readLbInstance(existing), args.instance)) return;
      throw new LoadBalancerXmlError(`instance ${args.instance.name} is already in cluster ${args.cluster} (line ${existing.line}) with other attributes`);
    }
    placeInCluster(root, cluster, element, ['web-module', 'health-checker']);
  });
}

/**
 * Removes an instance and its line (seed: "Removing an Application Server Instance from a
 * Cluster", step 2: after its quiescing). `missingOk` makes a retry after success a no-op.
 */
export function removeInstance(xml: string, ref: InstanceRef & { missingOk?: boolean }): string {
  return editLoadBalancerXml(xml, (root) => {
    const cluster = requireCluster(root, ref.cluster);
    if (ref.missingOk && !childElements(cluster, 'instance').some((i) => keyOf(i) === ref.instance)) return;
    removeElement(cluster, requireMember(cluster, 'instance', ref.instance));
  });
}
