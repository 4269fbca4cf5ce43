import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffPluginCfg, finalPluginCfg, holdPluginCfg, mergePluginCfg, PluginCfgError, pluginCfgServers, transitionPluginCfg, zeroWeightsPluginCfg, type TransitionOptions } from '../../src/drivers/plugin-cfg';
import { allHttpServers, renderCellPluginCfg } from '../../src/lab/plugin-cfg-initial';
import { parsePluginConfig, routeRequest, type RoundRobinState } from '../../src/lab/plugin-routing';
import { labEstateForTest } from '../support/lab-estate';

const fixtures = join(__dirname, '..', 'fixtures', 'plugin-cfg');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
const start = fixture('seed-start.xml');
const xy = { active: 'ClusterX', incoming: 'ClusterY' };
const group1: TransitionOptions = { ...xy, servers: ['ServerY1'], drain: ['ServerX1'] };
const group2: TransitionOptions = { ...xy, servers: ['ServerY1', 'ServerY2'], drain: ['ServerX1', 'ServerX2'] };
const group3: TransitionOptions = { ...xy, servers: ['ServerY1', 'ServerY2', 'ServerY3'], drain: ['ServerX1', 'ServerX2', 'ServerX3'] };

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(PluginCfgError);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('transitionPluginCfg (seed 002, step D, Listing 3)', () => {
  it('moves every ClusterY server into ClusterX and drains ClusterX: the expected file byte for byte', () => {
    expect(transitionPluginCfg(start, xy)).toBe(fixture('seed-transition.xml'));
  });

  it('gives ClusterX exactly Listing 3: servers, clone IDs, weights, transports, PrimaryServers', () => {
    const out = transitionPluginCfg(start, xy);
    expect(pluginCfgServers(out)).toEqual([
      { cluster: 'ClusterX', name: 'ServerX1', cloneId: 'v7oe1ii4', weight: 0, host: 'test1.ibm.com', port: 9081 },
      { cluster: 'ClusterX', name: 'ServerX2', cloneId: 'v7oe1j1e', weight: 0, host: 'test2.ibm.com', port: 9082 },
      { cluster: 'ClusterX', name: 'ServerX3', cloneId: 'v7oe1k2f', weight: 0, host: 'test3.ibm.com', port: 9083 },
      { cluster: 'ClusterX', name: 'ServerY1', cloneId: 'v7oe3bhc', weight: 2, host: 'test1.ibm.com', port: 9181 },
      { cluster: 'ClusterX', name: 'ServerY2', cloneId: 'v7oe3c36', weight: 2, host: 'test2.ibm.com', port: 9182 },
      { cluster: 'ClusterX', name: 'ServerY3', cloneId: 'v7oe4cu8', weight: 2, host: 'test3.ibm.com', port: 9183 },
    ]);
    const config = parsePluginConfig(out);
    expect(config.clusters.ClusterX?.primaryServers).toEqual(['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1', 'ServerY2', 'ServerY3']);
    // Step E: ClusterY's ServerCluster, UriGroup and Route are gone.
    expect(Object.keys(config.clusters)).toEqual(['ClusterX']);
    expect(Object.keys(config.uriGroups)).toEqual(['prod_vhost_ClusterX_URIs']);
    expect(config.routes).toEqual([{ serverCluster: 'ClusterX', uriGroup: 'prod_vhost_ClusterX_URIs', virtualHostGroup: 'prod_vhost' }]);
  });

  it('leaves what it does not mean to change as it was', () => {
    const out = transitionPluginCfg(start, xy);
    for (const kept of [
      '<Config ASDisableNagle="false" AcceptAllContent="false" AppServerPortPreference="HostHeader" ChunkedResponse="false" FIPSEnable="false" IISDisableNagle="false" IISPluginPriority="High" IgnoreDNSFailures="false" RefreshInterval="60" ResponseChunkSize="64" VHostMatchingCompat="false">',
      '<Log LogLevel="Error" Name="/opt/IBM/WebSphere/Plugins/logs/http_plugin.log"/>',
      '<Property Name="ESIEnable" Value="true"/>',
      '<Server CloneID="v7oe3bhc" ConnectTimeout="0" ExtendedHandshake="false" LoadBalanceWeight="2" MaxConnections="-1" Name="ServerY1" WaitForContinue="false">',
      '<Transport Hostname="test1.ibm.com" Port="9543" Protocol="https">\n        <Property Name="keyring" Value="/opt/IBM/WebSphere/Plugins/etc/plugin-key.kdb"/>',
      '<!-- Listing 2: the same context root on two virtual hosts, so the two versions never mix. -->',
      '<filterValues enable="false" value="/snoop"/>',
      '<?xml version="1.0" encoding="ISO-8859-1"?><!--HTTP server plugin config file',
    ]) {
      expect(out).toContain(kept);
    }
  });

  it('is idempotent: applied to its own output it gives the same bytes', () => {
    for (const opts of [xy, group1, group2, group3, { ...xy, drain: ['ServerX2'] }, { ...xy, servers: ['ServerY3'] }]) {
      const once = transitionPluginCfg(start, opts);
      expect(transitionPluginCfg(once, opts)).toBe(once);
    }
  });

  it('moves servers in groups: cumulative options give the expected files', () => {
    expect(transitionPluginCfg(start, group1)).toBe(fixture('seed-group1.xml'));
    expect(transitionPluginCfg(start, group2)).toBe(fixture('seed-group2.xml'));
    expect(transitionPluginCfg(start, group3)).toBe(fixture('seed-transition.xml'));
  });

  it('gives the same bytes whether a group starts from the step-B file or from the previous group', () => {
    expect(transitionPluginCfg(fixture('seed-group1.xml'), group2)).toBe(fixture('seed-group2.xml'));
    expect(transitionPluginCfg(fixture('seed-group2.xml'), group3)).toBe(fixture('seed-transition.xml'));
  });

  it('moves servers in file order whatever order the options list them in', () => {
    expect(transitionPluginCfg(start, { ...group2, servers: ['ServerY2', 'ServerY1'], drain: ['ServerX2', 'ServerX1'] })).toBe(fixture('seed-group2.xml'));
  });

  it('adds LoadBalanceWeight where a server had none, in alphabetical place', () => {
    const xml = '<Config>\n  <ServerCluster Name="A">\n    <Server CloneID="a1" Name="A1"><Transport Hostname="h" Port="1" Protocol="http"/></Server>\n  </ServerCluster>\n  <ServerCluster Name="B">\n    <Server Name="B1"><Transport Hostname="h" Port="2" Protocol="http"/></Server>\n  </ServerCluster>\n</Config>\n';
    expect(transitionPluginCfg(xml, { active: 'A', incoming: 'B' })).toBe(
      '<Config>\n  <ServerCluster Name="A">\n    <Server CloneID="a1" LoadBalanceWeight="0" Name="A1"><Transport Hostname="h" Port="1" Protocol="http"/></Server>\n    <Server Name="B1"><Transport Hostname="h" Port="2" Protocol="http"/></Server>\n  </ServerCluster>\n</Config>\n',
    );
  });

  it('names unknown clusters and servers', () => {
    expect(errorOf(() => transitionPluginCfg(start, { active: 'ClusterQ', incoming: 'ClusterY' }))).toBe('unknown ServerCluster ClusterQ (the file has ClusterX, ClusterY)');
    expect(errorOf(() => transitionPluginCfg(start, { active: 'ClusterX', incoming: 'ClusterZ' }))).toBe('unknown ServerCluster ClusterZ (the file has ClusterX, ClusterY)');
    expect(errorOf(() => transitionPluginCfg(start, { ...xy, servers: ['ServerY1', 'ServerY9'] }))).toBe('unknown server(s) ServerY9: not in ClusterY (ServerY1, ServerY2, ServerY3) nor already moved into ClusterX');
    expect(errorOf(() => transitionPluginCfg(start, { ...xy, drain: ['ServerX7'] }))).toBe("cannot drain ServerX7: not ClusterX's own member(s) (ServerX1, ServerX2, ServerX3)");
    expect(errorOf(() => transitionPluginCfg(start, { ...xy, servers: ['ServerY1'], drain: ['ServerY1'] }))).toContain('cannot drain ServerY1');
    expect(errorOf(() => transitionPluginCfg(start, { active: 'ClusterX', incoming: 'ClusterX' }))).toBe('active and incoming are the same ServerCluster ClusterX');
    expect(errorOf(() => transitionPluginCfg('<Config><Server', xy))).toContain('line 1');
  });
});

describe('finalPluginCfg (step F)', () => {
  it('is the N+1 cluster routed on the production virtual host, byte for byte', () => {
    expect(finalPluginCfg(start, xy)).toBe(fixture('seed-final.xml'));
  });

  it('routes ClusterY on prod_vhost with the GenPluginCfg UriGroup name', () => {
    const config = parsePluginConfig(finalPluginCfg(start, xy));
    expect(Object.keys(config.clusters)).toEqual(['ClusterY']);
    expect(config.routes).toEqual([{ serverCluster: 'ClusterY', uriGroup: 'prod_vhost_ClusterY_URIs', virtualHostGroup: 'prod_vhost' }]);
    expect(Object.keys(config.uriGroups)).toEqual(['prod_vhost_ClusterY_URIs']);
  });

  it('names unknown clusters', () => {
    expect(errorOf(() => finalPluginCfg(start, { active: 'ClusterX', incoming: 'Nope' }))).toBe('unknown ServerCluster Nope (the file has ClusterX, ClusterY)');
  });
});

describe('mergePluginCfg (dormant-cell variation)', () => {
  it('joins two cells: primary whole, then what only the other has, byte for byte', () => {
    expect(mergePluginCfg(fixture('cell-x.xml'), fixture('cell-y.xml'))).toBe(fixture('merged.xml'));
  });

  it('keeps primary Config attributes, Log and Property, and its own copy of shared elements', () => {
    const merged = mergePluginCfg(fixture('cell-x.xml'), fixture('cell-y.xml'));
    expect(merged).toContain('<Config IgnoreDNSFailures="false" RefreshInterval="60" ResponseChunkSize="64">');
    expect(merged).not.toContain('cellY/http_plugin.log');
    expect(merged).not.toContain('*:8080');
    expect(merged.match(/<VirtualHostGroup Name="prod_vhost">/g)).toHaveLength(1);
    expect(merged.match(/<Route /g)).toHaveLength(2);
  });

  it('merged, then transitioned: Listing 3 across two cells', () => {
    const merged = mergePluginCfg(fixture('cell-x.xml'), fixture('cell-y.xml'));
    const out = transitionPluginCfg(merged, xy);
    expect(pluginCfgServers(out).map((s) => [s.cluster, s.name, s.weight])).toEqual([
      ['ClusterX', 'ServerX1', 0],
      ['ClusterX', 'ServerX2', 0],
      ['ClusterX', 'ServerY1', 2],
      ['ClusterX', 'ServerY2', 2],
    ]);
    expect(out).toContain('    <PrimaryServers>\n      <Server Name="ServerX1"/>\n      <Server Name="ServerX2"/>\n      <Server Name="ServerY1"/>\n      <Server Name="ServerY2"/>\n    </PrimaryServers>');
  });
});

describe('the transforms on the lab starting files', () => {
  const prod = { host: '127.0.0.1', port: 8080, path: '/user/hit' };
  const test = { host: '127.0.0.1', port: 8102, path: '/user/hit' };

  function cellFiles(file: string): string[] {
    const estate = labEstateForTest(0, join('/tmp', 'turnout-unit-plugin-cfg'), file);
    return allHttpServers(estate).map(({ cell, httpServer }) => renderCellPluginCfg(estate, cell, httpServer.refreshIntervalSeconds));
  }

  function newSessions(xml: string, count: number): string[] {
    const config = parsePluginConfig(xml);
    const rr: RoundRobinState = {};
    return Array.from({ length: count }, () => routeRequest(config, prod, rr)).map((d) => (d.kind === 'new' ? d.server.name : d.kind));
  }

  it.each(['lab.json', 'lab-multi-cell.json'])('%s: after the full transition new sessions land on ClusterY, old ones stay on ClusterX', (file) => {
    const [x, y] = cellFiles(file) as [string, string];
    const out = transitionPluginCfg(mergePluginCfg(x, y), xy);
    expect(new Set(newSessions(out, 12))).toEqual(new Set(['ServerY1', 'ServerY2', 'ServerY3']));
    const config = parsePluginConfig(out);
    expect(routeRequest(config, { ...prod, cloneId: 'v7oe1j1e' }, {})).toMatchObject({ kind: 'affinity', cluster: 'ClusterX', server: { name: 'ServerX2', port: 9082 } });
    expect(routeRequest(config, { ...prod, cloneId: 'v7oe4cu8' }, {})).toMatchObject({ kind: 'affinity', server: { name: 'ServerY3', port: 9183 } });
    expect(Object.keys(config.clusters)).toEqual(['ClusterX']);
    expect(transitionPluginCfg(out, xy)).toBe(out);
  });

  it('lab.json, first group: new sessions go to ServerX2, ServerX3 and ServerY1 only', () => {
    const [x, y] = cellFiles('lab.json') as [string, string];
    const out = transitionPluginCfg(mergePluginCfg(x, y), group1);
    expect(new Set(newSessions(out, 12))).toEqual(new Set(['ServerX2', 'ServerX3', 'ServerY1']));
    const config = parsePluginConfig(out);
    expect(routeRequest(config, { ...prod, cloneId: 'v7oe1ii4' }, {})).toMatchObject({ kind: 'affinity', server: { name: 'ServerX1' } });
    // ServerY2 and ServerY3 are still only on the test virtual host.
    expect(config.clusters.ClusterY?.servers.map((s) => s.name)).toEqual(['ServerY2', 'ServerY3']);
  });

  it('lab.json, final: ClusterY alone serves prod_vhost', () => {
    const [x, y] = cellFiles('lab.json') as [string, string];
    const out = finalPluginCfg(mergePluginCfg(x, y), xy);
    expect(new Set(newSessions(out, 12))).toEqual(new Set(['ServerY1', 'ServerY2', 'ServerY3']));
    const config = parsePluginConfig(out);
    expect(routeRequest(config, test, {})).toEqual({ kind: 'no-route' });
    expect(routeRequest(config, { ...prod, cloneId: 'v7oe1ii4' }, {})).toMatchObject({ kind: 'new', cluster: 'ClusterY' });
  });
});

describe('zeroWeightsPluginCfg and holdPluginCfg', () => {
  const weights = (xml: string) => Object.fromEntries(pluginCfgServers(xml).map((s) => [`${s.cluster}/${s.name}`, s.weight]));

  it('announces moved servers at weight 0 and changes nothing else', () => {
    const announced = zeroWeightsPluginCfg(transitionPluginCfg(start, { ...xy, servers: ['ServerY1'], drain: [] }), { cluster: 'ClusterX', servers: ['ServerY1'] });
    expect(weights(announced)).toEqual({
      'ClusterX/ServerX1': 2, 'ClusterX/ServerX2': 2, 'ClusterX/ServerX3': 2, 'ClusterX/ServerY1': 0,
      'ClusterY/ServerY2': 2, 'ClusterY/ServerY3': 2,
    });
    // The next file differs only in the weights that change: the group's server takes new sessions, its partner stops.
    expect(diffPluginCfg(announced, transitionPluginCfg(start, group1)).map((c) => c.kind)).toEqual(['weight-changed', 'weight-changed']);
  });

  it('holds: version N takes every new session, the moved servers keep theirs', () => {
    expect(weights(holdPluginCfg(start, { ...xy, servers: ['ServerY1', 'ServerY2', 'ServerY3'] }))).toEqual({
      'ClusterX/ServerX1': 2, 'ClusterX/ServerX2': 2, 'ClusterX/ServerX3': 2, 'ClusterX/ServerY1': 0, 'ClusterX/ServerY2': 0, 'ClusterX/ServerY3': 0,
    });
  });

  it('refuses a server the cluster does not have', () => {
    expect(errorOf(() => zeroWeightsPluginCfg(start, { cluster: 'ClusterX', servers: ['ServerY9'] }))).toBe('ServerCluster ClusterX has no server(s) ServerY9');
  });
});
