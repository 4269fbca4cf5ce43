/**
 * `npm run bench -- plugin-cfg`: plugin-cfg.xml for a single cell of 10,000 servers (two clusters
 * of 5,000): parse + render of the generated file, the full transition (Listing 3), a grouped one and
 * the final file (DESIGN, "Targets": renders in under 100 ms).
 */
import { performance } from 'node:perf_hooks';
import { finalPluginCfg, parsePluginCfgDocument, renderPluginCfgDocument, transitionPluginCfg } from '../src/drivers/plugin-cfg';
import { machineInfo, progress, publish } from './report';
import { round, summarize } from './stats';

const name = 'plugin-cfg';
const log = progress(name);
const targetRenderMs = 100;
const perCluster = 5000;
const runs = Number(process.env.BENCH_PLUGIN_CFG_RUNS ?? 15);

function cluster(prefix: string, port: number): { xml: string[]; names: string[] } {
  const names = Array.from({ length: perCluster }, (_, i) => `Server${prefix}${i + 1}`);
  const xml = [
    `  <ServerCluster CloneSeparatorChange="false" LoadBalance="Round Robin" Name="Cluster${prefix}" PostBufferSize="64" RemoveSpecialHeaders="true" RetryInterval="60">`,
    ...names.flatMap((n, i) => [
      `    <Server CloneID="${prefix.toLowerCase()}${String(i).padStart(7, '0')}" ConnectTimeout="0" ExtendedHandshake="false" LoadBalanceWeight="2" MaxConnections="-1" Name="${n}" WaitForContinue="false">`,
      `      <Transport Hostname="node${i % 500}.example.com" Port="${port + (i % 50)}" Protocol="http"/>`,
      '    </Server>',
    ]),
    '    <PrimaryServers>',
    ...names.map((n) => `      <Server Name="${n}"/>`),
    '    </PrimaryServers>',
    '  </ServerCluster>',
  ];
  return { xml, names };
}

function generated(): { xml: string; y: string[]; x: string[] } {
  const x = cluster('X', 9080);
  const y = cluster('Y', 9180);
  const route = (vhost: string, c: string) => [`  <UriGroup Name="${vhost}_${c}_URIs">`, `    <Uri AffinityCookie="JSESSIONID" AffinityURLIdentifier="jsessionid" Name="/user/*"/>`, '  </UriGroup>', `  <Route ServerCluster="${c}" UriGroup="${vhost}_${c}_URIs" VirtualHostGroup="${vhost}"/>`];
  const lines = [
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<Config ASDisableNagle="false" IgnoreDNSFailures="false" RefreshInterval="60" ResponseChunkSize="64">',
    '  <VirtualHostGroup Name="prod_vhost">', '    <VirtualHost Name="*:80"/>', '  </VirtualHostGroup>',
    '  <VirtualHostGroup Name="test_vhost">', '    <VirtualHost Name="*:8081"/>', '  </VirtualHostGroup>',
    ...x.xml, ...y.xml, ...route('prod_vhost', 'ClusterX'), ...route('test_vhost', 'ClusterY'),
    '</Config>',
  ];
  return { xml: `${lines.join('\n')}\n`, x: x.names, y: y.names };
}

function time(fn: () => unknown): number[] {
  fn(); // warm-up
  return Array.from({ length: runs }, () => {
    const start = performance.now();
    fn();
    return performance.now() - start;
  });
}

function main(): void {
  const { xml, x, y } = generated();
  log(`file: ${x.length + y.length} servers, ${(xml.length / 1e6).toFixed(2)} MB; ${runs} runs each`);
  const doc = parsePluginCfgDocument(xml);
  const pair = { active: 'ClusterX', incoming: 'ClusterY' };
  const results = {
    renderMs: summarize(time(() => renderPluginCfgDocument(doc))),
    parseMs: summarize(time(() => parsePluginCfgDocument(xml))),
    fullTransitionMs: summarize(time(() => transitionPluginCfg(xml, pair))),
    groupTransitionMs: summarize(time(() => transitionPluginCfg(xml, { ...pair, servers: y.slice(0, 5), drain: x.slice(0, 5) }))),
    finalMs: summarize(time(() => finalPluginCfg(xml, pair))),
  };
  const render = results.renderMs.p50;
  publish(name, { machine: machineInfo(), servers: x.length + y.length, bytes: xml.length, runs, ...results, target: { renderMsUnder: targetRenderMs, met: render < targetRenderMs, renderP50Ms: round(render) } });
}

main();
