import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffLoadBalancerXml, renderLoadBalancerXmlDiff } from '../../src/drivers/loadbalancer-xml';

const fixtures = join(__dirname, '..', 'fixtures', 'loadbalancer-xml');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
const sample = fixture('seed-sample.xml');
const diff = (a: string, b: string): string => renderLoadBalancerXmlDiff(diffLoadBalancerXml(a, b));

describe('diffLoadBalancerXml', () => {
  it('says when two files mean the same, whatever their layout', () => {
    expect(diffLoadBalancerXml(sample, sample)).toEqual([]);
    expect(diff(sample, fixture('seed-sample-as-printed.xml'))).toBe('no changes\n');
    // An explicit default means what a missing attribute means.
    expect(diff(sample, sample.replace('<web-module context-root="/fortune" enabled="true" />', '<web-module context-root="/fortune" enabled="true" disable-timeout-in-minutes="31"/>'))).toBe('no changes\n');
  });

  it('names instances that start quiescing or take new sessions again', () => {
    const off = fixture('golden/sample-disable-cluster1-instances.xml');
    expect(diffLoadBalancerXml(sample, off)).toEqual([
      { kind: 'instance-changed', cluster: 'cluster1', instance: 'myinstance1', attribute: 'enabled', from: 'true', to: 'false' },
      { kind: 'instance-changed', cluster: 'cluster1', instance: 'myinstance2', attribute: 'enabled', from: 'true', to: 'false' },
    ]);
    expect(diff(off, sample)).toBe(['~ cluster cluster1', '  ~ instance myinstance1 enabled false -> true (takes new sessions)', '  ~ instance myinstance2 enabled false -> true (takes new sessions)', ''].join('\n'));
  });

  it('groups changes by cluster: quiescing periods, web modules, health checker, added and removed', () => {
    expect(diff(sample, fixture('golden/sample-timeout-fortune.xml'))).toBe('~ cluster cluster1\n  ~ web-module /fortune disable-timeout-in-minutes 31 -> 10\n');
    expect(diff(sample, fixture('golden/sample-disable-shopping.xml'))).toBe('~ cluster cluster1\n  ~ web-module /shopping enabled true -> false (starts quiescing)\n');
    expect(diff(sample, fixture('golden/sample-health-checker.xml'))).toBe(
      ['~ cluster cluster1', '  ~ health-checker url / -> /fortune', '  ~ health-checker interval-in-seconds 10 -> 5', '  ~ health-checker time-out-in-seconds 10 -> 2', ''].join('\n'),
    );
    expect(diff(sample, fixture('golden/sample-add-myinstance3.xml'))).toBe('~ cluster cluster1\n  + instance myinstance3 (disabled, quiescing 36 min, http://www.example.com:45)\n');
    expect(diff(fixture('golden/sample-remove-myinstance1.xml'), fixture('golden/sample-add-cluster2.xml'))).toBe(
      [
        '~ cluster cluster1',
        '  + instance myinstance1 (enabled, quiescing 31 min, http://www.example.com:41 https://www.example.com:42)',
        '+ cluster cluster2',
        '    instance myinstance3 (enabled, quiescing 31 min, http://www.example.com:45 https://www.example.com:46)',
        '    web-module /fortune (enabled, quiescing 31 min)',
        '',
      ].join('\n'),
    );
    expect(diffLoadBalancerXml(fixture('seed-adding-an-instance.xml'), fixture('golden/adding-remove-cluster.xml')).map((c) => c.kind)).toEqual(['cluster-removed']);
    expect(diff(fixture('seed-deploying-a-web-module.xml'), fixture('golden/deploying-add-instance-and-health-checker.xml'))).toBe(
      ['~ cluster cluster1', '  + instance myinstance1 (enabled, quiescing 31 min, http://www.example.com:41)', '  + health-checker / every 10 s, timeout 10 s', ''].join('\n'),
    );
  });

  it('reports the load balancer name and properties', () => {
    const lab = fixture('lab-lb.xml');
    const changed = lab.replace('value="1"', 'value="5"').replace('name="lab-lb"', 'name="lb2"');
    expect(diff(lab, changed)).toBe('~ loadbalancer name lab-lb -> lb2\n~ property reload-poll-interval-in-seconds 1 -> 5\n');
  });
});
