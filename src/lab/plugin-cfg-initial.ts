/**
 * The plugin-cfg.xml GenPluginCfg would dump for a cell (seed 002, Listings 1-2, step B.1.3): one
 * ServerCluster per cluster of the cell, active clusters routed through prod_vhost and dormant
 * clusters through test_vhost. Each lab web server starts with its cell's file, and the lab dmgr
 * answers it for `GET /plugin-cfg`.
 *
 * In an estate with no dormant cluster at all, each cell also routes its test VIP to its own
 * cluster: in the multi-cell procedure a cell's N+1 is tested there ("Test cell X version N+1 with
 * a test virtual IP mapped to a test virtual host"). Where some cluster is dormant, the test VIP
 * belongs to that incoming cluster alone, even in cells that hold none.
 */
import { genPluginCfgUriGroupName } from '../drivers/plugin-cfg';
import type { Cell, Cluster, Estate, HttpServer, VirtualHost } from '../model/estate';
import { labSettings } from './paths';
import { defaultRefreshIntervalSeconds } from './plugin-routing';

/** Escapes a value for an XML attribute. */
export function xmlAttr(value: string | number): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function virtualHostGroup(vhost: VirtualHost): string[] {
  return [`  <VirtualHostGroup Name="${xmlAttr(vhost.name)}">`, ...vhost.aliases.map((a) => `    <VirtualHost Name="${xmlAttr(`${a.host}:${a.port}`)}"/>`), '  </VirtualHostGroup>'];
}

function serverCluster(cluster: Cluster): string[] {
  return [
    `  <ServerCluster LoadBalance="Round Robin" Name="${xmlAttr(cluster.name)}">`,
    ...cluster.servers.flatMap((s) => [
      `    <Server CloneID="${xmlAttr(s.cloneId)}" LoadBalanceWeight="${s.weight}" Name="${xmlAttr(s.name)}">`,
      `      <Transport Hostname="${xmlAttr(s.host)}" Port="${s.port}" Protocol="http"/>`,
      '    </Server>',
    ]),
    '    <PrimaryServers>',
    ...cluster.servers.map((s) => `      <Server Name="${xmlAttr(s.name)}"/>`),
    '    </PrimaryServers>',
    '  </ServerCluster>',
  ];
}

function routes(estate: Estate, cell: Cell): string[] {
  const { production, test } = estate.virtualHosts;
  const testsOwnCluster = !estate.cells.some((c) => c.clusters.some((k) => k.state === 'dormant'));
  return cell.clusters.flatMap((c) => [
    ...routing(estate, c, c.state === 'active' ? production.name : test.name),
    ...(testsOwnCluster ? routing(estate, c, test.name) : []),
  ]);
}

function routing(estate: Estate, cluster: Cluster, vhost: string): string[] {
  const group = genPluginCfgUriGroupName(vhost, cluster.name);
  return [
    `  <UriGroup Name="${xmlAttr(group)}">`,
    `    <Uri AffinityCookie="JSESSIONID" AffinityURLIdentifier="jsessionid" Name="${xmlAttr(`${labSettings(estate).contextRoot}/*`)}"/>`,
    '  </UriGroup>',
    `  <Route ServerCluster="${xmlAttr(cluster.name)}" UriGroup="${xmlAttr(group)}" VirtualHostGroup="${xmlAttr(vhost)}"/>`,
  ];
}

/**
 * Renders the plugin-cfg.xml of `cell` with the given RefreshInterval: a web server's starting file
 * (its own interval), or the one the lab dmgr generates (see {@link cellRefreshIntervalSeconds}).
 */
export function renderCellPluginCfg(estate: Estate, cell: Cell, refreshIntervalSeconds: number): string {
  const lines = [
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    `<!-- plugin-cfg.xml for cell ${xmlAttr(cell.name)}, as GenPluginCfg writes it; rendered by the turnout lab -->`,
    `<Config RefreshInterval="${refreshIntervalSeconds}">`,
    ...virtualHostGroup(estate.virtualHosts.production),
    ...virtualHostGroup(estate.virtualHosts.test),
    ...cell.clusters.flatMap(serverCluster),
    ...routes(estate, cell),
    '</Config>',
  ];
  return `${lines.join('\n')}\n`;
}

/** The RefreshInterval a generated file of `cell` carries: its first HTTP server's, else the plug-in default. */
export function cellRefreshIntervalSeconds(cell: Cell): number {
  return cell.httpServers[0]?.refreshIntervalSeconds ?? defaultRefreshIntervalSeconds;
}

/** Every web server of the estate with its cell, in estate order. */
export function allHttpServers(estate: Estate): { cell: Cell; httpServer: HttpServer }[] {
  return estate.cells.flatMap((cell) => cell.httpServers.map((httpServer) => ({ cell, httpServer })));
}
