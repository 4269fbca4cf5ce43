import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addCluster,
  addInstance,
  diffLoadBalancerXml,
  disableInstance,
  disableWebModule,
  enableInstance,
  enableWebModule,
  initialLoadBalancerXml,
  LoadBalancerXmlError,
  readLoadBalancerConfig,
  removeCluster,
  removeInstance,
  setClusterInstancesEnabled,
  setDisableTimeout,
  setHealthChecker,
  UnknownLoadBalancerNameError,
} from '../../src/drivers/loadbalancer-xml';
import { estateSchema } from '../../src/model/estate';

const fixtures = join(__dirname, '..', 'fixtures', 'loadbalancer-xml');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
const golden = (name: string): string => fixture(join('golden', name));
const sample = fixture('seed-sample.xml');
const c1 = 'cluster1';

// Each seed example through one operation, against a golden file (see the fixtures' README).
// Removals throw when applied again (see missingOk below), so they are left out of the second pass.
const cases: [golden: string, from: string, op: (xml: string) => string][] = [
  ['sample-disable-myinstance1.xml', 'seed-sample.xml', (x) => disableInstance(x, { cluster: c1, instance: 'myinstance1' })],
  ['sample-disable-cluster1-instances.xml', 'seed-sample.xml', (x) => setClusterInstancesEnabled(x, c1, false)],
  ['sample-disable-shopping.xml', 'seed-sample.xml', (x) => disableWebModule(x, { cluster: c1, contextRoot: '/shopping' })],
  ['sample-timeout-myinstance2.xml', 'seed-sample.xml', (x) => setDisableTimeout(x, { cluster: c1, instance: 'myinstance2', minutes: 5 })],
  ['sample-timeout-fortune.xml', 'seed-sample.xml', (x) => setDisableTimeout(x, { cluster: c1, contextRoot: '/fortune', minutes: 10 })],
  ['sample-add-myinstance3.xml', 'seed-sample.xml', (x) => addInstance(x, { cluster: c1, instance: { name: 'myinstance3', listeners: ['http://www.example.com:45'], enabled: false, disableTimeoutMinutes: 36 } })],
  ['sample-remove-myinstance1.xml', 'seed-sample.xml', (x) => removeInstance(x, { cluster: c1, instance: 'myinstance1' })],
  [
    'sample-add-cluster2.xml',
    'seed-sample.xml',
    (x) =>
      addCluster(x, {
        name: 'cluster2',
        instances: [{ name: 'myinstance3', listeners: ['http://www.example.com:45', 'https://www.example.com:46'] }],
        webModules: [{ contextRoot: '/fortune' }],
        healthChecker: { url: '/', intervalSeconds: 10, timeoutSeconds: 15 },
      }),
  ],
  ['sample-health-checker.xml', 'seed-sample.xml', (x) => setHealthChecker(x, { cluster: c1, url: '/fortune', intervalSeconds: 5, timeoutSeconds: 2 })],
  [
    'defining-add-myinstance1.xml',
    'seed-defining-a-cluster.xml',
    (x) => addInstance(x, { cluster: 'mycluster1', instance: { name: 'myinstance1', listeners: ['http://www.example.com:41', 'https://www.example.com:42'], disableTimeoutMinutes: 36 } }),
  ],
  ['adding-disable-myinstance1.xml', 'seed-adding-an-instance.xml', (x) => disableInstance(x, { cluster: 'mycluster1', instance: 'myinstance1' })],
  ['adding-remove-cluster.xml', 'seed-adding-an-instance.xml', (x) => removeCluster(x, { cluster: 'mycluster1' })],
  ['deploying-disable-fortune.xml', 'seed-deploying-a-web-module.xml', (x) => disableWebModule(x, { cluster: 'cluster1', contextRoot: '/fortune' })],
  [
    'deploying-add-instance-and-health-checker.xml',
    'seed-deploying-a-web-module.xml',
    (x) => setHealthChecker(addInstance(x, { cluster: 'cluster1', instance: { name: 'myinstance1', listeners: ['http://www.example.com:41'] } }), { cluster: 'cluster1', url: '/', intervalSeconds: 10, timeoutSeconds: 10 }),
  ],
];

describe('loadbalancer.xml operations', () => {
  it.each(cases)('%s: byte for byte, and the same bytes when applied again', (name, from, op) => {
    const once = op(fixture(from));
    expect(once).toBe(golden(name));
    if (!name.includes('remove')) expect(op(once)).toBe(once);
  });

  it('returns the same bytes for what is already so, by meaning', () => {
    expect(enableInstance(sample, { cluster: c1, instance: 'myinstance1' })).toBe(sample);
    expect(enableWebModule(sample, { cluster: c1, contextRoot: '/fortune' })).toBe(sample);
    expect(setClusterInstancesEnabled(sample, c1, true)).toBe(sample);
    // No disable-timeout-in-minutes means 31; no time-out-in-seconds means 10.
    expect(setDisableTimeout(sample, { cluster: c1, instance: 'myinstance1', minutes: 31 })).toBe(sample);
    expect(setHealthChecker(sample, { cluster: c1, url: '/', intervalSeconds: 10, timeoutSeconds: 10 })).toBe(sample);
    const withInstance = addInstance(sample, { cluster: c1, instance: { name: 'myinstance2', listeners: ['http://www.example.com:43', 'https://www.example.com:44'] } });
    expect(withInstance).toBe(sample);
    const adding = fixture('seed-adding-an-instance.xml');
    expect(addCluster(adding, { name: 'mycluster1', instances: [{ name: 'myinstance1', listeners: ['http://www.example.com:41', 'https://www.example.com:42'], disableTimeoutMinutes: 36 }], healthChecker: { url: '/', intervalSeconds: 10, timeoutSeconds: 15 } })).toBe(adding);
  });

  it('disables and enables back to the very same bytes', () => {
    const adding = fixture('seed-adding-an-instance.xml');
    expect(enableInstance(disableInstance(adding, { cluster: 'mycluster1', instance: 'myinstance1' }), { cluster: 'mycluster1', instance: 'myinstance1' })).toBe(adding);
    expect(setClusterInstancesEnabled(setClusterInstancesEnabled(sample, c1, false), c1, true)).toBe(sample);
  });

  it('names what exists when a cluster, instance or context root is unknown', () => {
    const err = (run: () => unknown): UnknownLoadBalancerNameError => {
      const thrown: unknown = (() => {
        try {
          return run();
        } catch (e) {
          return e;
        }
      })();
      expect(thrown).toBeInstanceOf(UnknownLoadBalancerNameError);
      return thrown as UnknownLoadBalancerNameError;
    };
    const cluster = err(() => disableInstance(sample, { cluster: 'clusterX', instance: 'myinstance1' }));
    expect(cluster).toBeInstanceOf(LoadBalancerXmlError);
    expect(cluster.message).toBe('unknown cluster clusterX (the file has cluster1)');
    expect({ thing: cluster.thing, wanted: cluster.wanted, known: cluster.known }).toEqual({ thing: 'cluster', wanted: 'clusterX', known: ['cluster1'] });
    expect(err(() => disableInstance(sample, { cluster: c1, instance: 'myinstance9' })).message).toBe('unknown instance myinstance9 in cluster cluster1 (it has myinstance1, myinstance2)');
    expect(err(() => disableWebModule(sample, { cluster: c1, contextRoot: '/cart' })).message).toBe('unknown web-module /cart in cluster cluster1 (it has /fortune, /shopping)');
    expect(err(() => setClusterInstancesEnabled(sample, 'nope', false)).thing).toBe('cluster');
    expect(err(() => removeInstance(sample, { cluster: c1, instance: 'gone' })).known).toEqual(['myinstance1', 'myinstance2']);
    expect(err(() => removeCluster(sample, { cluster: 'gone' })).known).toEqual(['cluster1']);
  });

  it('makes removal a no-op with missingOk, so a retried step goes through', () => {
    const removed = removeInstance(sample, { cluster: c1, instance: 'myinstance1' });
    expect(removeInstance(removed, { cluster: c1, instance: 'myinstance1', missingOk: true })).toBe(removed);
    const gone = removeCluster(sample, { cluster: c1 });
    expect(removeCluster(gone, { cluster: c1, missingOk: true })).toBe(gone);
  });

  it('refuses an add that would change what is there, and bad values', () => {
    expect(() => addInstance(sample, { cluster: c1, instance: { name: 'myinstance1', listeners: ['http://www.example.com:41'] } })).toThrow('instance myinstance1 is already in cluster cluster1 (line 5) with other attributes');
    expect(() => addCluster(sample, { name: c1 })).toThrow('cluster cluster1 is already in the file (line 3) with other contents');
    expect(() => addInstance(sample, { cluster: c1, instance: { name: 'x', listeners: [] } })).toThrow('listeners must be one or more URLs');
    expect(() => setDisableTimeout(sample, { cluster: c1, instance: 'myinstance1', minutes: -1 })).toThrow('disable-timeout-in-minutes must be a number of minutes');
    expect(() => setHealthChecker(sample, { cluster: c1, url: 'health', intervalSeconds: 5, timeoutSeconds: 2 })).toThrow("must be a path starting with '/'");
    expect(() => setHealthChecker(sample, { cluster: c1, url: '/', intervalSeconds: 0, timeoutSeconds: 2 })).toThrow('interval-in-seconds must be a positive number');
  });
});

describe('initialLoadBalancerXml', () => {
  const estate = estateSchema.parse(JSON.parse(readFileSync(join(__dirname, '..', '..', 'estates', 'lab-lb.json'), 'utf8')));

  it('writes one cluster per active cluster, one instance per server, the web module, health checker and poll interval', () => {
    const xml = initialLoadBalancerXml(estate, { disableTimeoutMinutes: 2, contextRoot: '/user', healthChecker: { intervalSeconds: 1, timeoutSeconds: 1 } });
    expect(xml).toBe(fixture('lab-lb.xml'));
    const config = readLoadBalancerConfig(xml);
    expect(config.properties).toEqual({ 'reload-poll-interval-in-seconds': '1' });
    expect(config.clusters.map((c) => [c.name, c.instances.map((i) => `${i.name} ${i.listeners.join(' ')} ${i.enabled}`)])).toEqual([
      ['ClusterA', ['ServerA1 http://127.0.0.1:9381 true', 'ServerA2 http://127.0.0.1:9382 true']],
      ['ClusterB', ['ServerB1 http://127.0.0.1:9383 true', 'ServerB2 http://127.0.0.1:9384 true']],
    ]);
  });

  it('leaves dormant clusters out, and takes the seed defaults', () => {
    const cells = estate.cells.map((cell) => ({ ...cell, clusters: cell.clusters.map((c) => (c.name === 'ClusterB' ? { ...c, state: 'dormant' as const } : c)) }));
    const xml = initialLoadBalancerXml({ ...estate, cells }, { disableTimeoutMinutes: 31, contextRoot: '/user' });
    const config = readLoadBalancerConfig(xml);
    expect(config.clusters.map((c) => c.name)).toEqual(['ClusterA']);
    expect(config.clusters[0]?.healthChecker).toEqual({ url: '/', intervalSeconds: 30, timeoutSeconds: 10 });
  });

  it('feeds the operations and the diff', () => {
    const xml = fixture('lab-lb.xml');
    const off = setClusterInstancesEnabled(xml, 'ClusterA', false);
    expect(diffLoadBalancerXml(xml, off).map((c) => c.kind)).toEqual(['instance-changed', 'instance-changed']);
    expect(setClusterInstancesEnabled(off, 'ClusterA', true)).toBe(xml);
  });
});
