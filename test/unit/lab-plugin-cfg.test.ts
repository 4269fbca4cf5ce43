import { join } from 'node:path';
import { renderInitialPluginCfg } from '../../src/lab/plugin-cfg-initial';
import { parsePluginConfig, routeRequest } from '../../src/lab/plugin-routing';
import { labEstateForTest } from '../support/lab-estate';

const estate = labEstateForTest(0, join('/tmp', 'turnout-unit-lab'));

function cfgOf(cellName: string) {
  const cell = estate.cells.find((c) => c.name === cellName);
  if (!cell?.httpServers[0]) throw new Error('no cell');
  return renderInitialPluginCfg(estate, cell, cell.httpServers[0]);
}

describe('initial plugin-cfg.xml', () => {
  it('is shaped like the seed listings', () => {
    const xml = cfgOf('X');
    expect(xml).toContain('<Config RefreshInterval="2">');
    expect(xml).toContain('<ServerCluster LoadBalance="Round Robin" Name="ClusterX">');
    expect(xml).toContain('<Server CloneID="v7oe1ii4" LoadBalanceWeight="2" Name="ServerX1">');
    expect(xml).toContain('<Transport Hostname="127.0.0.1" Port="9081" Protocol="http"/>');
    expect(xml).toContain('<VirtualHost Name="*:8101"/>');
    expect(xml).toContain('<Uri AffinityCookie="JSESSIONID" AffinityURLIdentifier="jsessionid" Name="/user/*"/>');
    expect(xml).toContain('<Route ServerCluster="ClusterX" UriGroup="prod_vhost_ClusterX_URIs" VirtualHostGroup="prod_vhost"/>');
    expect(xml).not.toContain('ClusterY');
  });

  it('routes an active cluster through prod_vhost and a dormant one through test_vhost', () => {
    const x = parsePluginConfig(cfgOf('X'));
    expect(routeRequest(x, { host: '127.0.0.1', port: 8080, path: '/user/' }, {})).toMatchObject({ kind: 'new', cluster: 'ClusterX' });
    const y = parsePluginConfig(cfgOf('Y'));
    expect(routeRequest(y, { host: '127.0.0.1', port: 8080, path: '/user/' }, {})).toEqual({ kind: 'no-route' });
    expect(routeRequest(y, { host: '127.0.0.1', port: 8202, path: '/user/' }, {})).toMatchObject({ kind: 'new', cluster: 'ClusterY' });
  });

  it('lists every server as primary, in estate order', () => {
    const x = parsePluginConfig(cfgOf('X'));
    expect(x.clusters.ClusterX?.primaryServers).toEqual(['ServerX1', 'ServerX2', 'ServerX3']);
  });
});
