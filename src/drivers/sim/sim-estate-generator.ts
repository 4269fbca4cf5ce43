/**
 * Generates estates of any size for the simulation: `clusters × serversPerCluster` servers in
 * cells of `clustersPerCell` clusters, valid against the estate schema. Two shapes:
 * - `multiCellRollout`: every cluster active, cells behind the sprayer, each with its HTTP servers;
 * - `singleCellRollout`: one cell with every cluster, the first active, the others dormant (the
 *   second takes N+1, see {@link simIncomingCluster}), its HTTP servers routing by plugin-cfg.xml.
 * Every HTTP server's test listener is one of the sim HTTP front's ports (`frontPorts`); the other
 * endpoints are never contacted (the sim drivers stand in for them) and only need to be distinct.
 */
import { z } from 'zod';
import { estateSchema, type Estate, type EstateInput } from '../../model/estate';

/** What to generate. */
export const simEstateSpecSchema = z
  .object({
    name: z.string().min(1),
    procedure: z.enum(['multiCellRollout', 'singleCellRollout']),
    clusters: z.number().int().min(2),
    serversPerCluster: z.number().int().min(1),
    clustersPerCell: z.number().int().min(1).default(10),
    /** 1 for multi-cell (one sprayer server per cell, as in the lab), 2 for single-cell when absent. */
    httpServersPerCell: z.number().int().min(1).optional(),
    /**
     * The sim HTTP front's ports: the test listeners of the estate's HTTP servers, one each, in turn
     * (the path says which estate a request is for, so estates share them). Each HTTP server needs
     * its own, so give at least as many as there are HTTP servers.
     */
    frontPorts: z.array(z.number().int().min(1).max(65535)).min(1),
    /** Configured bindings and cluster resources for the naming driver (Java clients, validation clones). */
    naming: z.boolean().default(false),
  })
  .strict();
export type SimEstateSpec = z.infer<typeof simEstateSpecSchema>;
export type SimEstateSpecInput = z.input<typeof simEstateSpecSchema>;

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const clusterName = (k: number) => `C${pad(k + 1, 3)}`;

/** The dormant cluster a single-cell estate's rollout moves to (`strategy.incomingCluster`). */
export const simIncomingCluster = clusterName(1);

function cluster(spec: SimEstateSpec, k: number): NonNullable<EstateInput['cells'][number]['clusters']>[number] {
  const active = spec.procedure === 'multiCellRollout' || k === 0;
  const servers = Array.from({ length: spec.serversPerCluster }, (_, i) => {
    const name = `${clusterName(k).toLowerCase()}s${pad(i + 1, 3)}`;
    return { name, host: '127.0.0.1', port: 10000 + k * spec.serversPerCluster + i, cloneId: name, weight: 2 };
  });
  const resources = spec.naming ? { resources: { 'jdbc/Orders': `db-${clusterName(k)}`, 'jms/Events': `mq-${clusterName(k)}` } } : {};
  return { name: clusterName(k), state: active ? 'active' : 'dormant', servers, ...resources };
}

function testPortOf(spec: SimEstateSpec, index: number): number {
  const port = spec.frontPorts[index];
  if (port === undefined) throw new Error(`the estate has more HTTP servers than the ${spec.frontPorts.length} front ports given`);
  return port;
}

function cellsOf(spec: SimEstateSpec): EstateInput['cells'] {
  const perCell = spec.procedure === 'singleCellRollout' ? spec.clusters : spec.clustersPerCell;
  const count = Math.ceil(spec.clusters / perCell);
  return Array.from({ length: count }, (_, c) => {
    const name = `cell${pad(c + 1, 2)}`;
    // A 1 s RefreshInterval: a plugin-cfg.xml step waits for the plug-ins to re-read the file, which
    // real ones do every minute; the bench measures the engine, not that wait.
    const perCellWeb = spec.httpServersPerCell ?? (spec.procedure === 'singleCellRollout' ? 2 : 1);
    const httpServers = Array.from({ length: perCellWeb }, (_, h) => ({ name: `${name}web${h + 1}`, host: '127.0.0.1', port: 9000 + c * perCellWeb + h, testPort: testPortOf(spec, c * perCellWeb + h), pluginCfg: { kind: 'local' as const, path: `${name}/web${h + 1}/plugin-cfg.xml` }, refreshIntervalSeconds: 1 }));
    const clusters = Array.from({ length: Math.min(perCell, spec.clusters - c * perCell) }, (_, i) => cluster(spec, c * perCell + i));
    return { name, clusters, httpServers };
  });
}

function namingOf(spec: SimEstateSpec): EstateInput['naming'] {
  const names = Array.from({ length: spec.clusters }, (_, k) => clusterName(k));
  const corbaloc = (k: string) => `corbaloc::127.0.0.1:${2800 + names.indexOf(k)}`;
  const byCluster = (value: (k: string) => string) => Object.fromEntries(names.map((k) => [k, value(k)]));
  return {
    driver: 'lab',
    url: 'http://127.0.0.1:9',
    bindings: [
      { kind: 'string', name: 'InitialContextProvider', jndiName: 'cell/persistent/sim/InitialContextProvider', valueByCluster: byCluster(corbaloc) },
      { kind: 'indirect', name: 'SessionFacadeEJB', jndiName: 'cell/persistent/sim/SessionFacadeEJB', providerUrlByCluster: byCluster(corbaloc), bindingByCluster: byCluster((k) => `cell/clusters/${k}/ejb/SessionFacadeHome`) },
    ],
  };
}

/** An estate of `spec.clusters × spec.serversPerCluster` servers, parsed by the estate schema. */
export function generateSimEstate(input: SimEstateSpecInput): Estate {
  const spec = simEstateSpecSchema.parse(input);
  const doc: EstateInput = {
    name: spec.name,
    description: `simulated: ${spec.clusters} clusters × ${spec.serversPerCluster} servers for ${spec.procedure}`,
    cells: cellsOf(spec),
    sprayer: { driver: 'haproxy', listen: { host: '127.0.0.1', port: 8999 }, adminSocket: 'sim/admin.sock', backend: 'cells', affinityMap: 'sim/affinity.map' },
    virtualHosts: { production: { name: 'prod_vhost', aliases: [{ host: '*', port: 80 }] }, test: { name: 'test_vhost', aliases: [{ host: '*', port: 8998 }] } },
    ...(spec.naming ? { naming: namingOf(spec) } : {}),
    appServer: { driver: 'lab', adminUrl: 'http://127.0.0.1:9' },
  };
  return estateSchema.parse(doc);
}
