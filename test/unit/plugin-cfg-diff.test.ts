import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffPluginCfg, finalPluginCfg, renderPluginCfgDiff, type PluginCfgChange } from '../../src/drivers/plugin-cfg';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'plugin-cfg', name), 'utf8');
const start = fixture('seed-start.xml');

describe('diffPluginCfg', () => {
  it('finds nothing between a file and itself, even re-indented', () => {
    expect(diffPluginCfg(start, start)).toEqual([]);
    expect(diffPluginCfg(start, start.replace(/\n {2}/g, '\n\t'))).toEqual([]);
    expect(renderPluginCfgDiff([])).toBe('no routing changes\n');
  });

  it('shows the all-servers transition as moves, weight changes and removals', () => {
    const changes = diffPluginCfg(start, fixture('seed-transition.xml'));
    const y1 = { cluster: 'ClusterY', name: 'ServerY1', cloneId: 'v7oe3bhc', weight: 2, host: 'test1.ibm.com', port: 9181 };
    expect(changes).toContainEqual<PluginCfgChange>({ kind: 'server-added', cluster: 'ClusterX', server: { ...y1, cluster: 'ClusterX' }, movedFrom: 'ClusterY' });
    expect(changes).toContainEqual<PluginCfgChange>({ kind: 'weight-changed', cluster: 'ClusterX', server: 'ServerX3', from: 2, to: 0 });
    expect(changes).toContainEqual<PluginCfgChange>({ kind: 'primary-server-added', cluster: 'ClusterX', server: 'ServerY3' });
    expect(changes.find((c) => c.kind === 'server-cluster-removed')).toMatchObject({ name: 'ClusterY', servers: [y1, { name: 'ServerY2' }, { name: 'ServerY3' }] });
    expect(changes).toContainEqual<PluginCfgChange>({ kind: 'uri-group-removed', name: 'test_vhost_ClusterY_URIs' });
    expect(changes).toContainEqual<PluginCfgChange>({ kind: 'route-removed', route: { serverCluster: 'ClusterY', uriGroup: 'test_vhost_ClusterY_URIs', virtualHostGroup: 'test_vhost' } });
    expect(renderPluginCfgDiff(changes)).toBe(
      [
        '~ ServerCluster ClusterX',
        '  ~ Server ServerX1 LoadBalanceWeight 2 -> 0',
        '  ~ Server ServerX2 LoadBalanceWeight 2 -> 0',
        '  ~ Server ServerX3 LoadBalanceWeight 2 -> 0',
        '  + Server ServerY1 (clone v7oe3bhc, test1.ibm.com:9181, weight 2), moved from ClusterY',
        '  + Server ServerY2 (clone v7oe3c36, test2.ibm.com:9182, weight 2), moved from ClusterY',
        '  + Server ServerY3 (clone v7oe4cu8, test3.ibm.com:9183, weight 2), moved from ClusterY',
        '  + PrimaryServers ServerY1',
        '  + PrimaryServers ServerY2',
        '  + PrimaryServers ServerY3',
        '- ServerCluster ClusterY',
        '    ServerY1 (clone v7oe3bhc, test1.ibm.com:9181, weight 2)',
        '    ServerY2 (clone v7oe3c36, test2.ibm.com:9182, weight 2)',
        '    ServerY3 (clone v7oe4cu8, test3.ibm.com:9183, weight 2)',
        '- UriGroup test_vhost_ClusterY_URIs',
        '- Route test_vhost test_vhost_ClusterY_URIs -> ClusterY',
        '',
      ].join('\n'),
    );
  });

  it('shows a group move on both sides: removed from ClusterY, added to ClusterX', () => {
    const text = renderPluginCfgDiff(diffPluginCfg(start, fixture('seed-group1.xml')));
    expect(text).toBe(
      [
        '~ ServerCluster ClusterX',
        '  ~ Server ServerX1 LoadBalanceWeight 2 -> 0',
        '  + Server ServerY1 (clone v7oe3bhc, test1.ibm.com:9181, weight 2), moved from ClusterY',
        '  + PrimaryServers ServerY1',
        '~ ServerCluster ClusterY',
        '  - Server ServerY1 (clone v7oe3bhc, test1.ibm.com:9181, weight 2), moved to ClusterX',
        '  - PrimaryServers ServerY1',
        '',
      ].join('\n'),
    );
  });

  it('shows the final file: ClusterX gone, ClusterY routed on prod_vhost', () => {
    const text = renderPluginCfgDiff(diffPluginCfg(start, finalPluginCfg(start, { active: 'ClusterX', incoming: 'ClusterY' })));
    expect(text).toContain('- ServerCluster ClusterX\n');
    expect(text).toContain('+ UriGroup prod_vhost_ClusterY_URIs\n');
    expect(text).toContain('- UriGroup test_vhost_ClusterY_URIs\n');
    expect(text).toContain('+ Route prod_vhost prod_vhost_ClusterY_URIs -> ClusterY\n');
    expect(text).toContain('- Route test_vhost test_vhost_ClusterY_URIs -> ClusterY\n');
  });

  it('reports RefreshInterval and VirtualHostGroup changes', () => {
    const changed = start.replace('RefreshInterval="60"', 'RefreshInterval="5"').replace('<VirtualHostGroup Name="test_vhost">', '<VirtualHostGroup Name="admin_vhost">');
    expect(renderPluginCfgDiff(diffPluginCfg(start, changed))).toBe('~ RefreshInterval 60 -> 5\n+ VirtualHostGroup admin_vhost\n- VirtualHostGroup test_vhost\n');
    expect(diffPluginCfg(start, start.replace(' RefreshInterval="60"', ''))).toEqual([{ kind: 'refresh-interval-changed', from: '60' }]);
  });
});
