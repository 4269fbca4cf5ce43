/**
 * The short procedures of seed 004 on a cluster behind two lab load balancers (`clusterOperation`),
 * under load at 50 req/s through both: reconfigure an instance in a running cluster, redeploy a web
 * module, remove an instance, remove a cluster. Each quiesces what it touches before it acts, and
 * no request fails, no session is lost, no session sees two versions.
 */
import { readFileSync } from 'node:fs';
import { readLoadBalancerConfig } from '../../src/drivers/loadbalancer-xml/config';
import type { Estate, LbOperation, RolloutStatus } from '../../src/model';
import { pidsOf } from '../support/edition';
import { lbFiles, lbShas, startLbLoad } from '../support/load-balancers';
import { approvePhaseUpdate } from '../../workflows/messages';
import { expectCleanLoad, labRequest, recordHistory, track, waitForStatus } from '../support/rollout-harness';
import { keepSession, waitForKeeperRequests } from '../support/session-keeper';
import { labPerTest } from '../support/scenario';
import { rolloutOutcome } from '../../src/cli/rollout-outcome';

function config(estate: Estate) {
  const files = Object.values(lbFiles(estate));
  return readLoadBalancerConfig(readFileSync(files[0] as string, 'utf8'));
}

describe('clusterOperation behind two load balancers, under load', () => {
  const t = labPerTest(60000, 'lab-lb.json');

  async function operate(operation: LbOperation, over: Record<string, unknown> = {}): Promise<RolloutStatus> {
    const lab = t.lab();
    const load = startLbLoad(lab.estate);
    const final = await t.withWorker(async (client, taskQueue) => {
      const request = labRequest(lab.estate, { procedure: 'clusterOperation', approvals: { phases: [] }, lb: { inFlightSeconds: 5, operation }, ...over });
      const handle = track(await client.workflow.start('clusterOperation', { taskQueue, workflowId: `lbop-${operation.kind}-${Date.now()}`, args: [request] }));
      const result = await rolloutOutcome(handle);
      await recordHistory(client, handle.workflowId, `lb-operation-${operation.kind}`);
      return result;
    });
    const report = await load.stop();
    expect(final.state).toBe('succeeded');
    expect(final.events.some((e) => e.type === 'lb-quiesced')).toBe(true);
    expectCleanLoad(report);
    return final;
  }

  it('reconfigures ServerA1: disabled, quiesced, restarted, enabled; the files end as they started', async () => {
    const lab = t.lab();
    const start = lbShas(lab.estate);
    const pids = await pidsOf(lab.estate, ['ServerA1', 'ServerA2']);
    await operate({ kind: 'reconfigureInstance', cluster: 'ClusterA', instance: 'ServerA1' });
    const after = await pidsOf(lab.estate, ['ServerA1', 'ServerA2']);
    expect(after.ServerA1).not.toBe(pids.ServerA1);
    expect(after.ServerA2).toBe(pids.ServerA2);
    expect(lbShas(lab.estate)).toEqual(start);
  });

  it('redeploys /user on ClusterB at 2.0: ClusterA keeps 1.0, the files end as they started', async () => {
    const lab = t.lab();
    const start = lbShas(lab.estate);
    await operate({ kind: 'redeployWebModule', cluster: 'ClusterB', contextRoot: '/user' }, { toVersion: '2.0', artifact: 'lab:2.0' });
    expect((await lab.servers()).map((s) => [s.name, s.version])).toEqual([['ServerA1', '1.0'], ['ServerA2', '1.0'], ['ServerB1', '2.0'], ['ServerB2', '2.0']]);
    expect(lbShas(lab.estate)).toEqual(start);
  });

  it('removes ServerB2 from ClusterB after quiescing it', async () => {
    const lab = t.lab();
    await operate({ kind: 'removeInstance', cluster: 'ClusterB', instance: 'ServerB2' });
    const cluster = config(lab.estate).clusters.find((c) => c.name === 'ClusterB');
    expect(cluster?.instances.map((i) => i.name)).toEqual(['ServerB1']);
  });

  it('a drain shorter than the quiescing period asks a person before the sessions left fail over', async () => {
    const lab = t.lab();
    const keeper = keepSession(lab.estate, 'ServerA1');
    await waitForKeeperRequests(keeper, 2);
    const final = await t.withWorker(async (client, taskQueue) => {
      const drain = { pollIntervalSeconds: 1, maxWaitSeconds: 2, sessionThreshold: 0, onTimeout: 'proceed' };
      const request = labRequest(lab.estate, { procedure: 'clusterOperation', approvals: { phases: [] }, drain, lb: { inFlightSeconds: 5, operation: { kind: 'reconfigureInstance', cluster: 'ClusterA', instance: 'ServerA1' } } });
      const handle = track(await client.workflow.start('clusterOperation', { taskQueue, workflowId: `lbop-short-drain-${Date.now()}`, args: [request] }));
      const gate = await waitForStatus(handle, (s) => s.pendingApproval?.gate === 'instance.quiesce', 'the drain-timeout gate');
      expect(gate.events.find((e) => e.type === 'quiescing-longer-than-drain')?.message).toMatch(/drain\.maxWaitSeconds \(2s\) is shorter than the quiescing period \(7s/);
      expect(gate.pendingApproval?.question).toMatch(/ServerA1 [1-9]/);
      await keeper.stop();
      await handle.executeUpdate(approvePhaseUpdate, { args: [{ by: 'alice', phase: 'instance.quiesce' }] });
      return await rolloutOutcome(handle);
    });
    expect(final.state).toBe('succeeded');
  });

  it('removes ClusterB after quiescing its web modules', async () => {
    const lab = t.lab();
    await operate({ kind: 'removeCluster', cluster: 'ClusterB' });
    expect(config(lab.estate).clusters.map((c) => c.name)).toEqual(['ClusterA']);
  });
});
