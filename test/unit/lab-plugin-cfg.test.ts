import { join } from 'node:path';
import { renderCellPluginCfg } from '../../src/lab/plugin-cfg-initial';
import { parsePluginConfig, routeRequest } from '../../src/lab/plugin-routing';
import type { Estate } from '../../src/model/estate';
import { labEstateForTest } from '../support/lab-estate';

const dir = join('/tmp', 'turnout-unit-lab');
const estate = labEstateForTest(0, dir);

function cfgOf(cellName: string, of: Estate = estate) {
  const cell = of.cells.find((c) => c.name === cellName);
  if (!cell?.httpServers[0]) throw new Error('no cell');
  return renderCellPluginCfg(of, cell, cell.httpServers[0].refreshIntervalSeconds);
}

const at = (port: number) => ({ host: '127.0.0.1', port, path: '/user/' });

describe('a cell plugin-cfg.xml', () => {
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
    expect(routeRequest(x, at(8080), {})).toMatchObject({ kind: 'new', cluster: 'ClusterX' });
    const y = parsePluginConfig(cfgOf('Y'));
    expect(routeRequest(y, at(8080), {})).toEqual({ kind: 'no-route' });
    expect(routeRequest(y, at(8202), {})).toMatchObject({ kind: 'new', cluster: 'ClusterY' });
  });

  it('leaves the test VIP to the incoming cluster when the estate has a dormant one (dormant-cell variation)', () => {
    const x = parsePluginConfig(cfgOf('X'));
    expect(routeRequest(x, at(8102), {})).toEqual({ kind: 'no-route' });
    expect(x.routes.map((r) => r.virtualHostGroup)).toEqual(['prod_vhost']);
  });

  it('routes each cell test VIP to its own cluster when no cluster of the estate is dormant (multi-cell)', () => {
    const multi = labEstateForTest(0, dir, 'lab-multi-cell.json');
    const x = parsePluginConfig(cfgOf('X', multi));
    expect(routeRequest(x, at(8101), {})).toMatchObject({ kind: 'new', cluster: 'ClusterX' });
    expect(routeRequest(x, at(8102), {})).toMatchObject({ kind: 'new', cluster: 'ClusterX' });
  });

  it('has both clusters of the single cell, on their own virtual hosts (seed 002 step B)', () => {
    const single = labEstateForTest(0, dir, 'lab-single-cell.json');
    const x = parsePluginConfig(cfgOf('X', single));
    expect(Object.keys(x.clusters)).toEqual(['ClusterX', 'ClusterY']);
    for (const port of [8080, 8101, 8103]) expect(routeRequest(x, at(port), {})).toMatchObject({ kind: 'new', cluster: 'ClusterX' });
    for (const port of [8102, 8104]) expect(routeRequest(x, at(port), {})).toMatchObject({ kind: 'new', cluster: 'ClusterY' });
  });

  it('lists every server as primary, in estate order', () => {
    const x = parsePluginConfig(cfgOf('X'));
    expect(x.clusters.ClusterX?.primaryServers).toEqual(['ServerX1', 'ServerX2', 'ServerX3']);
  });
});
