/**
 * The edits a procedure makes to loadbalancer.xml (the plan's `lbConfig` steps), applied in order
 * to the starting file with the driver's lossless operations, so the result is always the starting
 * file plus exactly these changes. Pure.
 */
import type { LbEdit } from '../../model/plan';
import { readLoadBalancerConfig } from './config';
import { removeCluster } from './cluster-operations';
import { removeInstance, setClusterInstancesEnabled, setInstanceEnabled, setWebModuleEnabled } from './operations';

function applyOne(xml: string, e: LbEdit): string {
  switch (e.op) {
    case 'clusterInstances':
      return setClusterInstancesEnabled(xml, e.cluster, e.enabled);
    case 'instance':
      return setInstanceEnabled(xml, { cluster: e.cluster, instance: e.instance, enabled: e.enabled });
    case 'webModule':
      return setWebModuleEnabled(xml, { cluster: e.cluster, contextRoot: e.contextRoot, enabled: e.enabled });
    case 'clusterWebModules': {
      const cluster = readLoadBalancerConfig(xml).clusters.find((c) => c.name === e.cluster);
      return (cluster?.webModules ?? []).reduce((out, w) => setWebModuleEnabled(out, { cluster: e.cluster, contextRoot: w.contextRoot, enabled: e.enabled }), xml);
    }
    case 'removeInstance':
      return removeInstance(xml, { cluster: e.cluster, instance: e.instance, missingOk: true });
    case 'removeCluster':
      return removeCluster(xml, { cluster: e.cluster, missingOk: true });
  }
}

/** The starting file with `edits` applied in order. */
export function applyLbEdits(xml: string, edits: readonly LbEdit[]): string {
  return edits.reduce(applyOne, xml);
}
