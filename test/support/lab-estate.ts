/**
 * The lab estate for tests: estates/lab.json with every port shifted and every path inside a
 * test folder, so a test never collides with a developer's running lab (or another test file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { estateSchema, type Estate, type EstateInput } from '../../src/model/estate';

const estatesDir = join(__dirname, '..', '..', 'estates');

function shiftUrl(url: string, offset: number): string {
  const parsed = new URL(url);
  parsed.port = String(Number(parsed.port || 80) + offset);
  return parsed.toString().replace(/\/$/, '');
}

function shiftCorbaloc(value: string, offset: number): string {
  return value.replace(/:(\d+)(?=,|$)/g, (_m, port: string) => `:${Number(port) + offset}`);
}

/** Shifts the ports and moves the paths of one estate document (before validation). */
function relocate(input: EstateInput, offset: number, dir: string): EstateInput {
  const doc = structuredClone(input);
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
  if (doc.sprayer) {
    doc.sprayer.listen.port += offset;
    doc.sprayer.adminSocket = join(dir, 'haproxy', 'admin.sock');
    doc.sprayer.affinityMap = join(dir, 'haproxy', 'affinity.map');
  }
  for (const vhost of [doc.virtualHosts.production, doc.virtualHosts.test]) for (const alias of vhost.aliases) alias.port += offset;
  if (doc.naming?.url) doc.naming.url = shiftUrl(doc.naming.url, offset);
  for (const binding of doc.naming?.bindings ?? []) {
    const byCluster = binding.kind === 'string' ? binding.valueByCluster : binding.providerUrlByCluster;
    for (const key of Object.keys(byCluster)) byCluster[key] = shiftCorbaloc(byCluster[key] as string, offset);
  }
  if (doc.appServer.driver === 'lab') doc.appServer.adminUrl = shiftUrl(doc.appServer.adminUrl, offset);
  doc.lab = { ...doc.lab, dir };
  return doc;
}

/**
 * The lab estate (estates/`file`, default lab.json) with every port shifted by `offset` and every
 * path inside `dir`. Use an offset per test file (10000, 11000, ... up to 22000).
 */
export function labEstateForTest(offset: number, dir: string, file = 'lab.json'): Estate {
  // Ports in Linux's ephemeral range (32768 and up) can be taken by any client's own socket.
  if (offset + 9809 >= 32768) throw new Error(`offset ${offset} moves lab ports into the ephemeral range; keep offset + 9809 < 32768`);
  const input = JSON.parse(readFileSync(join(estatesDir, file), 'utf8')) as EstateInput;
  return estateSchema.parse(relocate(input, offset, dir));
}
