/**
 * TODO(merge): stand-ins for two functions of `src/drivers/loadbalancer-xml/` that the driver's
 * branch brings; the lab imports them from there once it lands, and this file goes.
 *
 * - `initialLoadBalancerXml`: the lab's starting loadbalancer.xml (same signature).
 * - `readLoadBalancerConfig`: on this branch's base the driver's reader parses with the plugin-cfg
 *   parser, which refuses any root but `<Config>`, so it cannot read a loadbalancer.xml at all.
 *   This one reads the same data the same way (same types, same defaults).
 */
import { parsePluginCfgDocument, type XmlElement } from '../drivers/plugin-cfg/plugin-cfg-document';
import { attribute, childElements } from '../drivers/plugin-cfg/xml-edit';
import { defaultDisableTimeoutMinutes, LoadBalancerXmlError, type LbCluster, type LoadBalancerConfig } from '../drivers/loadbalancer-xml/config';
import type { Estate } from '../model/estate';

/** What the starting file says beyond the estate's clusters. */
export interface InitialLoadBalancerXmlOptions {
  disableTimeoutMinutes: number;
  contextRoot: string;
  healthChecker?: { url: string; intervalSeconds: number; timeoutSeconds: number };
}

const escapeAttr = (value: string): string => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** One `cluster` per active cluster of the estate, its servers enabled, the lab app's web module enabled. */
export function initialLoadBalancerXml(estate: Estate, opts: InitialLoadBalancerXmlOptions): string {
  const hc = opts.healthChecker ?? { url: '/', intervalSeconds: 1, timeoutSeconds: 1 };
  const poll = estate.loadBalancers?.pollIntervalSeconds ?? 60;
  const clusters = estate.cells.flatMap((cell) => cell.clusters.filter((c) => c.state === 'active'));
  const lines = [`<?xml version="1.0" encoding="UTF-8"?>`, `<loadbalancer name="${escapeAttr(estate.name)}">`];
  for (const cluster of clusters) {
    lines.push(`  <cluster name="${escapeAttr(cluster.name)}">`);
    for (const s of cluster.servers) {
      lines.push(`    <instance name="${escapeAttr(s.name)}" enabled="true" disable-timeout-in-minutes="${opts.disableTimeoutMinutes}" listeners="http://${s.host}:${s.port}"/>`);
    }
    lines.push(`    <web-module context-root="${escapeAttr(opts.contextRoot)}" enabled="true" disable-timeout-in-minutes="${opts.disableTimeoutMinutes}"/>`);
    lines.push(`    <health-checker url="${escapeAttr(hc.url)}" interval-in-seconds="${hc.intervalSeconds}" time-out-in-seconds="${hc.timeoutSeconds}"/>`);
    lines.push('  </cluster>');
  }
  lines.push(`  <property name="reload-poll-interval-in-seconds" value="${poll}"/>`, '</loadbalancer>', '');
  return lines.join('\n');
}

function numberAttr(element: XmlElement, name: string, fallback: number): number {
  const raw = attribute(element, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new LoadBalancerXmlError(`${element.name} (line ${element.line}): ${name}="${raw}" is not a number`);
  return value;
}

function requiredAttr(element: XmlElement, name: string): string {
  const value = attribute(element, name);
  if (value === undefined || value === '') throw new LoadBalancerXmlError(`${element.name} (line ${element.line}) has no ${name}`);
  return value;
}

const enabledAttr = (element: XmlElement): boolean => (attribute(element, 'enabled') ?? 'true').trim().toLowerCase() === 'true';

function clusterOf(el: XmlElement): LbCluster {
  const hc = childElements(el, 'health-checker')[0];
  return {
    name: requiredAttr(el, 'name'),
    instances: childElements(el, 'instance').map((i) => ({
      name: requiredAttr(i, 'name'),
      enabled: enabledAttr(i),
      disableTimeoutMinutes: numberAttr(i, 'disable-timeout-in-minutes', defaultDisableTimeoutMinutes),
      listeners: requiredAttr(i, 'listeners').split(/\s+/).filter(Boolean),
    })),
    webModules: childElements(el, 'web-module').map((w) => ({
      contextRoot: requiredAttr(w, 'context-root'),
      enabled: enabledAttr(w),
      disableTimeoutMinutes: numberAttr(w, 'disable-timeout-in-minutes', defaultDisableTimeoutMinutes),
    })),
    ...(hc ? { healthChecker: { url: attribute(hc, 'url') ?? '/', intervalSeconds: numberAttr(hc, 'interval-in-seconds', 30), timeoutSeconds: numberAttr(hc, 'time-out-in-seconds', 10) } } : {}),
  };
}

/** Reads a loadbalancer.xml; throws {@link LoadBalancerXmlError} naming what is wrong. */
export function readLoadBalancerConfig(xml: string): LoadBalancerConfig {
  // The plugin-cfg parser insists on a <Config> root: hand it the same text with the root renamed.
  const match = /<loadbalancer(?=[\s/>])/.exec(xml);
  const closing = xml.lastIndexOf('</loadbalancer>');
  if (!match) throw new LoadBalancerXmlError('the root element is not <loadbalancer>');
  let renamed = `${xml.slice(0, match.index)}<Config${xml.slice(match.index + '<loadbalancer'.length)}`;
  if (closing >= 0) {
    const at = closing - '<loadbalancer'.length + '<Config'.length;
    renamed = `${renamed.slice(0, at)}</Config>${renamed.slice(at + '</loadbalancer>'.length)}`;
  }
  let root: XmlElement;
  try {
    root = parsePluginCfgDocument(renamed).root;
  } catch (err) {
    throw new LoadBalancerXmlError(`not well-formed XML: ${(err as Error).message.replace(/<Config>/g, '<loadbalancer>')}`);
  }
  const properties = Object.fromEntries(childElements(root, 'property').map((p) => [requiredAttr(p, 'name'), attribute(p, 'value') ?? '']));
  return { name: attribute(root, 'name') ?? '', clusters: childElements(root, 'cluster').map(clusterOf), properties };
}
