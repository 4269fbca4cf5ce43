import { parsePluginConfig, pickNewSessionServer, routeRequest, uriMatches, type RoundRobinState } from '../../src/lab/plugin-routing';

/** The seed's Listing 3 shape: ClusterX drained (weight 0), ClusterY moved in with weight 2. */
const transitionXml = `<?xml version="1.0"?>
<Config RefreshInterval="5">
  <VirtualHostGroup Name="prod_vhost"><VirtualHost Name="*:8080"/><VirtualHost Name="*:8101"/></VirtualHostGroup>
  <VirtualHostGroup Name="test_vhost"><VirtualHost Name="*:8102"/></VirtualHostGroup>
  <ServerCluster LoadBalance="Round Robin" Name="ClusterX">
    <Server CloneID="v7oe1ii4" LoadBalanceWeight="0" Name="ServerX1"><Transport Hostname="127.0.0.1" Port="9081" Protocol="http"/></Server>
    <Server CloneID="v7oe1j1e" LoadBalanceWeight="0" Name="ServerX2"><Transport Hostname="127.0.0.1" Port="9082" Protocol="http"/></Server>
    <Server CloneID="v7oe3bhc" LoadBalanceWeight="2" Name="ServerY1"><Transport Hostname="127.0.0.1" Port="9181" Protocol="http"/></Server>
    <Server CloneID="v7oe3c36" LoadBalanceWeight="1" Name="ServerY2"><Transport Hostname="127.0.0.1" Port="9182" Protocol="http"/></Server>
    <PrimaryServers><Server Name="ServerX1"/><Server Name="ServerX2"/><Server Name="ServerY1"/><Server Name="ServerY2"/></PrimaryServers>
  </ServerCluster>
  <ServerCluster LoadBalance="Round Robin" Name="ClusterT">
    <Server CloneID="t1" LoadBalanceWeight="2" Name="ServerT1"><Transport Hostname="127.0.0.1" Port="9281" Protocol="http"/></Server>
  </ServerCluster>
  <UriGroup Name="prod_vhost_ClusterX_URIs"><Uri AffinityCookie="JSESSIONID" Name="/user/*"/></UriGroup>
  <Route ServerCluster="ClusterX" UriGroup="prod_vhost_ClusterX_URIs" VirtualHostGroup="prod_vhost"/>
  <UriGroup Name="test_vhost_ClusterT_URIs"><Uri AffinityCookie="JSESSIONID" Name="/user/*"/></UriGroup>
  <Route ServerCluster="ClusterT" UriGroup="test_vhost_ClusterT_URIs" VirtualHostGroup="test_vhost"/>
</Config>`;

const config = parsePluginConfig(transitionXml);
const prod = { host: '127.0.0.1', port: 8080, path: '/user/hit' };

describe('plugin-cfg routing', () => {
  it('reads RefreshInterval, clusters, weights and transports', () => {
    expect(config.refreshIntervalSeconds).toBe(5);
    expect(config.clusters.ClusterX?.servers.map((s) => [s.name, s.cloneId, s.weight, s.port])).toEqual([
      ['ServerX1', 'v7oe1ii4', 0, 9081],
      ['ServerX2', 'v7oe1j1e', 0, 9082],
      ['ServerY1', 'v7oe3bhc', 2, 9181],
      ['ServerY2', 'v7oe3c36', 1, 9182],
    ]);
    expect(config.clusters.ClusterT?.primaryServers).toBeUndefined();
  });

  it('sends a session back to its clone even at LoadBalanceWeight 0', () => {
    const decision = routeRequest(config, { ...prod, cloneId: 'v7oe1j1e' }, {});
    expect(decision).toMatchObject({ kind: 'affinity', cluster: 'ClusterX', server: { name: 'ServerX2' } });
  });

  it('gives weight-0 servers no new sessions, and follows the weights', () => {
    const rr: RoundRobinState = {};
    const picks = Array.from({ length: 9 }, () => routeRequest(config, prod, rr)).map((d) => (d.kind === 'new' ? d.server.name : d.kind));
    expect(picks.filter((p) => p.startsWith('ServerX'))).toEqual([]);
    expect(picks.filter((p) => p === 'ServerY1')).toHaveLength(6);
    expect(picks.filter((p) => p === 'ServerY2')).toHaveLength(3);
  });

  it('treats an unknown clone ID as a new session', () => {
    expect(routeRequest(config, { ...prod, cloneId: 'nosuchclone' }, {})).toMatchObject({ kind: 'new' });
  });

  it('fails over when the affinity server is down', () => {
    const decision = routeRequest(config, { ...prod, cloneId: 'v7oe1ii4' }, {}, new Set(['ServerX1']));
    expect(decision).toMatchObject({ kind: 'new', server: { name: 'ServerY1' } });
  });

  it('is unavailable when every server that takes new sessions is down', () => {
    expect(routeRequest(config, prod, {}, new Set(['ServerY1', 'ServerY2']))).toEqual({ kind: 'unavailable', cluster: 'ClusterX' });
  });

  it('routes by the virtual host of the Host port', () => {
    expect(routeRequest(config, { ...prod, port: 8102 }, {})).toMatchObject({ kind: 'new', cluster: 'ClusterT' });
    expect(routeRequest(config, { ...prod, port: 9999 }, {})).toEqual({ kind: 'no-route' });
    expect(routeRequest(config, { ...prod, path: '/other/x' }, {})).toEqual({ kind: 'no-route' });
  });

  it('matches URI patterns like the plug-in', () => {
    expect(uriMatches('/user/*', '/user/hit')).toBe(true);
    expect(uriMatches('/user/*', '/user')).toBe(true);
    expect(uriMatches('/user/*', '/users')).toBe(false);
    expect(uriMatches('*.jsp', '/a/b.jsp')).toBe(true);
  });

  it('respects PrimaryServers', () => {
    const cluster = { name: 'C', servers: [{ name: 'A', weight: 1, host: 'h', port: 1 }, { name: 'B', weight: 1, host: 'h', port: 2 }], primaryServers: ['B'] };
    const rr: RoundRobinState = {};
    expect([1, 2, 3].map(() => pickNewSessionServer(cluster, rr)?.name)).toEqual(['B', 'B', 'B']);
  });
});
