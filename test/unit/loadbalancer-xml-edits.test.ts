import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readLoadBalancerConfig } from '../../src/drivers/loadbalancer-xml';
import { applyLbEdits } from '../../src/drivers/loadbalancer-xml/edits';

const lab = readFileSync(path.resolve(__dirname, '..', 'fixtures', 'loadbalancer-xml', 'lab-lb.xml'), 'utf8');
const enabled = (xml: string) => readLoadBalancerConfig(xml).clusters.map((c) => [c.name, c.instances.map((i) => i.enabled), c.webModules.map((w) => w.enabled)]);

describe('the edits of a procedure, applied to the starting file', () => {
  it('no edits is the starting file, byte for byte; a disable and its undo come back to it too', () => {
    expect(applyLbEdits(lab, [])).toBe(lab);
    const off = applyLbEdits(lab, [{ op: 'clusterInstances', cluster: 'ClusterA', enabled: false }]);
    expect(enabled(off)).toEqual([['ClusterA', [false, false], [true]], ['ClusterB', [true, true], [true]]]);
    expect(applyLbEdits(off, [{ op: 'clusterInstances', cluster: 'ClusterA', enabled: true }])).toBe(lab);
  });

  it('disables an instance, a web module, every web module of a cluster', () => {
    expect(enabled(applyLbEdits(lab, [{ op: 'instance', cluster: 'ClusterB', instance: 'ServerB2', enabled: false }]))[1]).toEqual(['ClusterB', [true, false], [true]]);
    expect(enabled(applyLbEdits(lab, [{ op: 'webModule', cluster: 'ClusterB', contextRoot: '/user', enabled: false }]))[1]).toEqual(['ClusterB', [true, true], [false]]);
    expect(enabled(applyLbEdits(lab, [{ op: 'clusterWebModules', cluster: 'ClusterA', enabled: false }]))[0]).toEqual(['ClusterA', [true, true], [false]]);
  });

  it('removes an instance and a cluster, and removing again changes nothing (a retried activity)', () => {
    const once = applyLbEdits(lab, [{ op: 'removeInstance', cluster: 'ClusterB', instance: 'ServerB2' }]);
    expect(readLoadBalancerConfig(once).clusters[1]?.instances.map((i) => i.name)).toEqual(['ServerB1']);
    expect(applyLbEdits(once, [{ op: 'removeInstance', cluster: 'ClusterB', instance: 'ServerB2' }])).toBe(once);
    const gone = applyLbEdits(lab, [{ op: 'removeCluster', cluster: 'ClusterB' }]);
    expect(readLoadBalancerConfig(gone).clusters.map((c) => c.name)).toEqual(['ClusterA']);
    expect(applyLbEdits(gone, [{ op: 'removeCluster', cluster: 'ClusterB' }])).toBe(gone);
  });
});
