/**
 * A fresh loadbalancer.xml for an estate: what an administrator following seed 004's "Defining a
 * Cluster", "Adding Application Server Instances" and "Deploying a Web Application on a Cluster"
 * would write, every instance and web module enabled. The lab writes each load balancer's starting
 * file with it, and every load balancer of an estate gets these same bytes.
 */
import type { Estate } from '../../model/estate';
import { defaultHealthChecker, type LbHealthChecker } from './config';
import { escapeAttribute, renderXmlDocument } from '../xml/xml-document';
import { clusterElement } from './cluster-operations';
import { LoadBalancerXmlError } from './loadbalancer-xml-document';

/** What `initialLoadBalancerXml` needs beyond the estate. */
export interface InitialLoadBalancerXmlOptions {
  /** `disable-timeout-in-minutes` of every instance and web module (the seed's default is 31). */
  disableTimeoutMinutes: number;
  /** The web module's context root, such as `/user`. */
  contextRoot: string;
  /** Default: the seed's (`/`, every 30 s, 10 s timeout). */
  healthChecker?: Partial<LbHealthChecker>;
  /** The `<loadbalancer name>`; default the estate's name. */
  name?: string;
}

/**
 * The loadbalancer.xml of `estate`: one `cluster` per active cluster of every cell, named after it,
 * with an `instance` per server (`http://host:port`), the web module and the health checker; then
 * `reload-poll-interval-in-seconds` from `estate.loadBalancers` (60 when absent). The property
 * comes after the clusters, the order of GlassFish's DTD (`cluster*, property*`).
 */
export function initialLoadBalancerXml(estate: Estate, opts: InitialLoadBalancerXmlOptions): string {
  const clusters = estate.cells.flatMap((cell) => cell.clusters).filter((c) => c.state === 'active');
  if (clusters.length === 0) throw new LoadBalancerXmlError(`estate ${estate.name} has no active cluster to put in loadbalancer.xml`);
  const healthChecker = { ...defaultHealthChecker, ...opts.healthChecker };
  const minutes = opts.disableTimeoutMinutes;
  const body = clusters.map((cluster) => {
    const element = clusterElement(
      {
        name: cluster.name,
        instances: cluster.servers.map((s) => ({ name: s.name, listeners: [`http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`], disableTimeoutMinutes: minutes })),
        webModules: [{ contextRoot: opts.contextRoot, disableTimeoutMinutes: minutes }],
        healthChecker,
      },
      '  ',
    );
    return `  ${renderXmlDocument(element)}\n`;
  });
  const poll = estate.loadBalancers?.pollIntervalSeconds ?? 60;
  const name = escapeAttribute(opts.name ?? estate.name);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<loadbalancer name="${name}">\n`,
    ...body,
    `  <property name="reload-poll-interval-in-seconds" value="${poll}"/>\n`,
    '</loadbalancer>\n',
  ].join('');
}
