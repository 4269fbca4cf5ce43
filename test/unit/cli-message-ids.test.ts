/**
 * The update IDs the CLI gives its messages (the same act gets the same ID, so the server applies
 * it once; a new act gets a new one), and how it judges whether a worker polls.
 */
import type { RolloutStatus } from '../../src/model';
import { approveUpdateId, leaveAsIsUpdateId, pauseUpdateId, resumeUpdateId, rollbackUpdateId } from '../../src/cli/rollout-messages';
import { hasLivePoller, pollerFreshnessMs } from '../../src/cli/worker-presence';

function status(over: Partial<RolloutStatus> = {}): RolloutStatus {
  return { rolloutId: 'r1', workflowType: 'multiCellRollout', app: 'a', fromVersion: '1', toVersion: '2', target: 't', state: 'running', currentStep: null, steps: [], approvals: [], events: [], ...over };
}
const gate = (phase: string, since: string) => status({ state: 'awaiting-approval', pendingApproval: { phase, since } });
const event = (type: string, at: string) => ({ at, by: 'x', type, message: '' });

describe('message update IDs', () => {
  it('approve: the gate (phase and since) and who; the same whether or not the phase is named, and whatever the comment', () => {
    const s = gate('cell-Y', '2026-01-01T10:00:00.000Z');
    const id = approveUpdateId(s, { by: 'alice' });
    expect(id).toBe('approvePhase:gate=cell-Y@2026-01-01T10:00:00.000Z:by=alice');
    expect(approveUpdateId(s, { by: ' alice ', phase: 'cell-Y' })).toBe(id);
    expect(approveUpdateId(s, { by: 'bob' })).not.toBe(id);
    // The same phase's gate reached again later (a drain-timeout gate, a retried step) is a new act.
    expect(approveUpdateId(gate('cell-Y', '2026-01-01T11:00:00.000Z'), { by: 'alice' })).not.toBe(id);
    expect(approveUpdateId(gate('cell-Z', '2026-01-01T10:00:00.000Z'), { by: 'alice' })).not.toBe(id);
  });

  it('approve: a phase approved ahead of its gate, or named against another gate, is not the gate', () => {
    expect(approveUpdateId(status({ state: 'waiting-window' }), { by: 'alice', phase: 'cell-Y' })).toBe('approvePhase:ahead=cell-Y:by=alice');
    expect(approveUpdateId(gate('cell-X', '2026-01-01T10:00:00.000Z'), { by: 'alice', phase: 'cell-Y' })).toBe('approvePhase:ahead=cell-Y:by=alice');
    expect(approveUpdateId(status(), { by: 'alice' })).toBe('approvePhase:ahead=-:by=alice');
  });

  it('pause: the stretch since the last resume; a pause after another resume is a new act', () => {
    const first = pauseUpdateId(status(), { by: 'carol' });
    expect(first).toBe('pauseRollout:after=start:by=carol');
    // The first pause applied: its retry computes the same ID, so it is not applied again.
    expect(pauseUpdateId(status({ events: [event('pause-requested', 'T1')] }), { by: 'carol' })).toBe(first);
    expect(pauseUpdateId(status({ events: [event('pause-requested', 'T1'), event('resumed', 'T2')] }), { by: 'carol' })).toBe('pauseRollout:after=T2:by=carol');
  });

  it('resume: the pause in force, asked for or taken after a failed step', () => {
    const s = status({ state: 'paused', events: [event('pause-requested', 'T1')] });
    expect(resumeUpdateId(s, { by: 'carol' })).toBe('resumeRollout:pause=T1:by=carol');
    expect(resumeUpdateId(status({ events: [event('pause-requested', 'T1'), event('resumed', 'T2')] }), { by: 'carol' })).toBe('resumeRollout:pause=T1:by=carol');
    expect(resumeUpdateId(status({ events: [event('pause-requested', 'T1'), event('resumed', 'T2'), event('step-failed', 'T3')] }), { by: 'carol' })).toBe('resumeRollout:pause=T3:by=carol');
  });

  it('rollback and leave-as-is: once per run, so who asks is enough; the reason is not part of the act', () => {
    expect(rollbackUpdateId(status(), { by: 'dave' })).toBe('requestRollback:by=dave');
    expect(rollbackUpdateId(status({ state: 'rolling-back' }), { by: 'dave' })).toBe('requestRollback:by=dave');
    expect(leaveAsIsUpdateId(status({ state: 'rolling-back' }), { by: 'dave' })).toBe('leaveRolloutAsIs:by=dave');
  });
});

describe('whether a worker polls', () => {
  const now = Date.parse('2026-01-01T12:00:00.000Z');
  const poller = (agoMs: number) => ({ identity: 'w', lastAccessTime: { seconds: Math.floor((now - agoMs) / 1000), nanos: 0 } });

  it('counts a poller whose last poll began within the freshness window: an idle long poll lasts up to a minute', () => {
    expect(hasLivePoller([poller(0)], now)).toBe(true);
    expect(hasLivePoller([poller(65_000)], now)).toBe(true);
    expect(hasLivePoller([poller(pollerFreshnessMs + 5_000)], now)).toBe(false);
    expect(hasLivePoller([poller(pollerFreshnessMs + 5_000), poller(1_000)], now)).toBe(true);
  });

  it('counts nobody when there is no poller, or none with a time', () => {
    expect(hasLivePoller([], now)).toBe(false);
    expect(hasLivePoller([{ lastAccessTime: null }, {}], now)).toBe(false);
  });
});
