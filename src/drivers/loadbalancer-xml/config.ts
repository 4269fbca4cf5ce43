/**
 * What a loadbalancer.xml says (seed 004, "Managing Clusters"), read into plain data: the clusters,
 * their instances (enabled, quiescing period, listeners), web modules and health checker, and the
 * load balancer's properties. Read-only: edits go through the lossless document, so an untouched
 * file renders back byte for byte.
 */
import type { XmlElement } from '../xml/xml-document';
import { attribute, childElements } from '../xml/xml-edit';
import { LoadBalancerXmlError, parseLoadBalancerXmlDocument } from './loadbalancer-xml-document';

export { LoadBalancerXmlError } from './loadbalancer-xml-document';

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

/** The seed's health-checker defaults: interval 30 s, timeout 10 s, URL `/`. */
export const defaultHealthChecker: Readonly<LbHealthChecker> = { url: '/', intervalSeconds: 30, timeoutSeconds: 10 };

/** One `instance` element read into plain data, defaults applied. */
export function readLbInstance(i: XmlElement): LbInstance {
  return {
    name: required(i, 'name'),
    enabled: bool(attribute(i, 'enabled'), true),
    disableTimeoutMinutes: num(i, 'disable-timeout-in-minutes', defaultDisableTimeoutMinutes),
    listeners: required(i, 'listeners').split(/\s+/).filter(Boolean),
  };
}

/** One `web-module` element read into plain data, defaults applied. */
export function readLbWebModule(w: XmlElement): LbWebModule {
  return {
    contextRoot: required(w, 'context-root'),
    enabled: bool(attribute(w, 'enabled'), true),
    disableTimeoutMinutes: num(w, 'disable-timeout-in-minutes', defaultDisableTimeoutMinutes),
  };
}

/** One `health-checker` element read into plain data, defaults applied. */
export function readLbHealthChecker(hc: XmlElement): LbHealthChecker {
  return {
    url: attribute(hc, 'url') ?? defaultHealthChecker.url,
    intervalSeconds: num(hc, 'interval-in-seconds', defaultHealthChecker.intervalSeconds),
    timeoutSeconds: num(hc, 'time-out-in-seconds', defaultHealthChecker.timeoutSeconds),
  };
}

/** One `cluster` element read into plain data, defaults applied; throws LoadBalancerXmlError on a missing or bad attribute. */
export function readLbCluster(el: XmlElement): LbCluster {
  const hc = childElements(el, 'health-checker')[0];
  return {
    name: required(el, 'name'),
    instances: childElements(el, 'instance').map(readLbInstance),
    webModules: childElements(el, 'web-module').map(readLbWebModule),
    ...(hc ? { healthChecker: readLbHealthChecker(hc) } : {}),
  };
}

/** Reads a loadbalancer.xml; throws {@link LoadBalancerXmlError} naming what is wrong. */
export function readLoadBalancerConfig(xml: string): LoadBalancerConfig {
  const root = parseLoadBalancerXmlDocument(xml).root;
  const properties = Object.fromEntries(childElements(root, 'property').map((p) => [required(p, 'name'), attribute(p, 'value') ?? '']));
  return { name: attribute(root, 'name') ?? '', clusters: childElements(root, 'cluster').map(readLbCluster), properties };
}
