/**
 * A lab estate moved out of the way: every port shifted and every path inside one folder, so tests
 * and benchmarks never collide with a developer's running lab, or with each other.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { estateSchema, type Estate, type EstateInput } from '../model/estate';
import { packageRoot } from '../paths';

/** The highest port of the shipped lab estates (an ORB port). */
export const highestLabPort = 9816;
/** The lowest port of the shipped lab estates (the sprayer). */
export const lowestLabPort = 8080;
/** Ports below this need privileges (and hold well-known services). */
const firstUnprivilegedPort = 1024;

function shiftUrl(url: string, offset: number): string {
  const parsed = new URL(url);
  parsed.port = String(Number(parsed.port || 80) + offset);
  return parsed.toString().replace(/\/$/, '');
}

function shiftCorbaloc(value: string, offset: number): string {
  return value.replace(/:(\d+)(?=,|$)/g, (_m, port: string) => `:${Number(port) + offset}`);
}

function shiftCells(doc: EstateInput, offset: number, dir: string): void {
  for (const cell of doc.cells) {
    for (const server of cell.clusters.flatMap((c) => c.servers)) {
      server.port += offset;
      if (server.orbPort) server.orbPort += offset;
    }
    for (const web of cell.httpServers ?? []) {
      web.port += offset;
      if (web.testPort) web.testPort += offset;
      web.pluginCfg = { kind: 'local', path: join(dir, web.name, 'plugin-cfg.xml') };
    }
  }
}

function shiftServices(doc: EstateInput, offset: number, dir: string): void {
  if (doc.sprayer) {
    doc.sprayer.listen.port += offset;
    if (doc.sprayer.testListen) doc.sprayer.testListen.port += offset;
    doc.sprayer.adminSocket = join(dir, 'haproxy', 'admin.sock');
    doc.sprayer.affinityMap = join(dir, 'haproxy', 'affinity.map');
  }
  for (const vhost of [doc.virtualHosts.production, doc.virtualHosts.test]) for (const alias of vhost.aliases) alias.port += offset;
  if (doc.naming?.url) doc.naming.url = shiftUrl(doc.naming.url, offset);
  for (const binding of doc.naming?.bindings ?? []) {
    const byCluster = binding.kind === 'string' ? binding.valueByCluster : binding.providerUrlByCluster;
    for (const key of Object.keys(byCluster)) byCluster[key] = shiftCorbaloc(byCluster[key] as string, offset);
  }
  if (doc.appServer.driver !== 'wsadmin') doc.appServer.adminUrl = shiftUrl(doc.appServer.adminUrl, offset);
  for (const balancer of doc.loadBalancers?.balancers ?? []) {
    balancer.listen.port += offset;
    balancer.file = { kind: 'local', path: join(dir, balancer.name, 'loadbalancer.xml') };
    balancer.log = join(dir, balancer.name, 'lb.log');
  }
}

/**
 * The shipped estate `file` (in estates/) with every port shifted by `offset` and every path inside
 * `dir`. Ports in Linux's ephemeral range (32768 and up) can be taken by any client's own socket,
 * so the shifted ports must stay below it; a negative offset is fine while they stay unprivileged.
 */
export function relocateLabEstate(offset: number, dir: string, file = 'lab.json'): Estate {
  if (!Number.isInteger(offset) || offset + lowestLabPort < firstUnprivilegedPort || offset + highestLabPort >= 32768) {
    throw new Error(`lab offset ${offset} is not usable: keep offset + ${lowestLabPort} >= ${firstUnprivilegedPort} (unprivileged) and offset + ${highestLabPort} < 32768 (out of the ephemeral range)`);
  }
  const doc = JSON.parse(readFileSync(join(packageRoot(), 'estates', file), 'utf8')) as EstateInput;
  shiftCells(doc, offset, dir);
  shiftServices(doc, offset, dir);
  doc.lab = { ...doc.lab, dir };
  return estateSchema.parse(doc);
}
