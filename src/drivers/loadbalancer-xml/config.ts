/**
 * What a loadbalancer.xml says (seed 004, "Managing Clusters"), read into plain data: the clusters,
 * their instances (enabled, quiescing period, listeners), web modules and health checker, and the
 * load balancer's properties. Read-only: edits go through the lossless document, so an untouched
 * file renders back byte for byte.
 */
import { parsePluginCfgDocument, type XmlElement } from '../plugin-cfg/plugin-cfg-document';
import { attribute, childElements } from '../plugin-cfg/xml-edit';

/** The seed's default quiescing period: one minute more than the default session idle timeout. */
export const defaultDisableTimeoutMinutes = 31;

/** An `instance` element. */
export interface LbInstance {
  name: string;
  /** `enabled`, default true. */
  enabled: boolean;
  /** `disable-timeout-in-minutes`, default 31. */
  disableTimeoutMinutes: number;
  /** `listeners`, split on spaces. */
  listeners: string[];
}

/** A `web-module` element. */
export interface LbWebModule {
  contextRoot: string;
  enabled: boolean;
  disableTimeoutMinutes: number;
}

/** A `health-checker` element (defaults: interval 30 s, timeout 10 s). */
export interface LbHealthChecker {
  url: string;
  intervalSeconds: number;
  timeoutSeconds: number;
}

/** A `cluster` element. */
export interface LbCluster {
  name: string;
  instances: LbInstance[];
  webModules: LbWebModule[];
  healthChecker?: LbHealthChecker;
}

/** The whole file. */
export interface LoadBalancerConfig {
  name: string;
  clusters: LbCluster[];
  /** `property` elements of `loadbalancer`, such as `reload-poll-interval-in-seconds`. */
  properties: Record<string, string>;
}

/** A loadbalancer.xml that cannot be read, with what is wrong and where. */
export class LoadBalancerXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadBalancerXmlError';
  }
}

const bool = (value: string | undefined, fallback: boolean): boolean => (value === undefined ? fallback : value.trim().toLowerCase() === 'true');

function num(element: XmlElement, name: string, fallback: number): number {
  const raw = attribute(element, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new LoadBalancerXmlError(`${element.name} (line ${element.line}): ${name}="${raw}" is not a number`);
  return value;
}

function required(element: XmlElement, name: string): string {
  const value = attribute(element, name);
  if (value === undefined || value === '') throw new LoadBalancerXmlError(`${element.name} (line ${element.line}) has no ${name}`);
  return value;
}

function readCluster(el: XmlElement): LbCluster {
  const instances = childElements(el, 'instance').map((i) => ({
    name: required(i, 'name'),
    enabled: bool(attribute(i, 'enabled'), true),
    disableTimeoutMinutes: num(i, 'disable-timeout-in-minutes', defaultDisableTimeoutMinutes),
    listeners: required(i, 'listeners').split(/\s+/).filter(Boolean),
  }));
  const webModules = childElements(el, 'web-module').map((w) => ({
    contextRoot: required(w, 'context-root'),
    enabled: bool(attribute(w, 'enabled'), true),
    disableTimeoutMinutes: num(w, 'disable-timeout-in-minutes', defaultDisableTimeoutMinutes),
  }));
  const hc = childElements(el, 'health-checker')[0];
  const healthChecker = hc ? { url: attribute(hc, 'url') ?? '/', intervalSeconds: num(hc, 'interval-in-seconds', 30), timeoutSeconds: num(hc, 'time-out-in-seconds', 10) } : undefined;
  return { name: required(el, 'name'), instances, webModules, ...(healthChecker ? { healthChecker } : {}) };
}

/** Reads a loadbalancer.xml; throws {@link LoadBalancerXmlError} naming what is wrong. */
export function readLoadBalancerConfig(xml: string): LoadBalancerConfig {
  let root: XmlElement;
  try {
    root = parsePluginCfgDocument(xml).root;
  } catch (err) {
    throw new LoadBalancerXmlError(`not well-formed XML: ${(err as Error).message}`);
  }
  if (root.name !== 'loadbalancer') throw new LoadBalancerXmlError(`the root element is <${root.name}>, not <loadbalancer>`);
  const properties = Object.fromEntries(childElements(root, 'property').map((p) => [required(p, 'name'), attribute(p, 'value') ?? '']));
  return { name: attribute(root, 'name') ?? '', clusters: childElements(root, 'cluster').map(readCluster), properties };
}
