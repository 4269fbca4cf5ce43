import type { Plan, RolloutStatus } from '../../src/model';
import { decideApproval, type ApprovalState } from '../../workflows/approvals';

const plan = {
  steps: [
    { id: 'X.drain', phase: 'cell-X', kind: 'drain' },
    { id: 'cell-Y.approval', phase: 'cell-Y', kind: 'approval', gate: 'manual' },
    { id: 'Y.drain', phase: 'cell-Y', kind: 'drain' },
  ],
} as unknown as Plan;

function state(over: Partial<RolloutStatus> = {}, extra: Partial<ApprovalState> = {}): ApprovalState {
  const status = {
    state: 'running',
    steps: [
      { id: 'X.drain', title: '', status: 'running' },
      { id: 'cell-Y.approval', title: '', status: 'pending' },
      { id: 'Y.drain', title: '', status: 'pending' },
    ],
    ...over,
  } as RolloutStatus;
  return { status, plan, startedBy: 'release-bot', fourEyes: false, rollingBack: false, approvedAhead: new Map(), ...extra };
}

const drainGate = { pendingApproval: { phase: 'cell-X', gate: 'X.drain', kind: 'drain-timeout' as const, since: '' }, state: 'awaiting-approval' as const };

describe('which gate an approval answers', () => {
  it('a drain-timeout gate is approved by its own name, by its phase, or without naming either', () => {
    for (const phase of ['X.drain', 'cell-X', undefined]) {
      expect(decideApproval(state(drainGate), { by: 'alice', ...(phase ? { phase } : {}) })).toMatchObject({ ok: true, key: 'X.drain' });
    }
  });

  it('refuses another name, saying which gate waits', () => {
    expect(decideApproval(state(drainGate), { by: 'alice', phase: 'cell-Y' })).toEqual({ ok: false, by: 'alice', reason: 'cell-Y is not awaiting approval; gate X.drain of phase cell-X is' });
  });

  it('takes one approval per gate: a second one arriving before the gate took the first is refused, not swapped in', () => {
    const first = { by: 'bob' };
    expect(decideApproval(state(drainGate, { approvedAhead: new Map([['X.drain', first]]) }), { by: 'alice', phase: 'cell-X' })).toEqual({ ok: false, by: 'alice', reason: 'gate X.drain is already approved, by bob' });
    const phaseGate = { pendingApproval: { phase: 'cell-Y', gate: 'cell-Y', kind: 'phase' as const, since: '' }, state: 'awaiting-approval' as const };
    expect(decideApproval(state(phaseGate, { approvedAhead: new Map([['cell-Y', first]]) }), { by: 'alice' })).toEqual({ ok: false, by: 'alice', reason: 'cell-Y is already approved, by bob' });
  });

  it('takes an approval ahead only for a manual gate still to come, and only once', () => {
    expect(decideApproval(state(), { by: 'alice', phase: 'cell-Y' })).toMatchObject({ ok: true, key: 'cell-Y' });
    expect(decideApproval(state({}, { approvedAhead: new Map([['cell-Y', { by: 'bob' }]]) }), { by: 'alice', phase: 'cell-Y' })).toMatchObject({ ok: false, reason: expect.stringContaining('already approved ahead of its gate, by bob') });
    expect(decideApproval(state(), { by: 'alice', phase: 'cell-X' })).toMatchObject({ ok: false, reason: expect.stringContaining('phase cell-X has no approval gate ahead') });
    expect(decideApproval(state(), { by: 'alice', phase: 'cell-Q' })).toMatchObject({ ok: false, reason: 'the plan has no phase cell-Q; its phases are cell-X, cell-Y' });
  });

  it('refuses four-eyes violations, ended rollouts and rollbacks', () => {
    expect(decideApproval(state(drainGate, { fourEyes: true }), { by: 'release-bot' })).toMatchObject({ ok: false, reason: expect.stringContaining('four-eyes') });
    expect(decideApproval(state({ state: 'succeeded' }), { by: 'alice', phase: 'cell-Y' })).toMatchObject({ ok: false, reason: 'the rollout has ended (succeeded)' });
    expect(decideApproval(state(drainGate, { rollingBack: true }), { by: 'alice' })).toMatchObject({ ok: false });
  });

  it('takes approvals only from the approvers, at a gate and ahead of one alike, after four-eyes', () => {
    const approvers = { approvers: ['alice', 'bob'] };
    expect(decideApproval(state(drainGate, approvers), { by: 'alice' })).toMatchObject({ ok: true, key: 'X.drain' });
    expect(decideApproval(state({}, approvers), { by: 'bob', phase: 'cell-Y' })).toMatchObject({ ok: true, key: 'cell-Y' });
    const refused = { ok: false, by: 'mallory', reason: 'mallory is not an approver of this rollout (approvals.approvers); approvers: alice, bob' };
    expect(decideApproval(state(drainGate, approvers), { by: 'mallory' })).toEqual(refused);
    expect(decideApproval(state({}, approvers), { by: 'mallory', phase: 'cell-Y' })).toEqual(refused);
    expect(decideApproval(state(drainGate, { approvers: ['alice', 'release-bot'], fourEyes: true }), { by: 'release-bot' })).toMatchObject({ ok: false, reason: expect.stringContaining('four-eyes') });
    expect(decideApproval(state(drainGate, { approvers: [] }), { by: 'alice' })).toMatchObject({ ok: false, reason: expect.stringContaining('approvers: none') });
  });

  it('refuses malformed input with bounded reasons, whatever is sent', () => {
    const hostile: unknown[] = [null, undefined, 'x', 42, [], { by: 'x'.repeat(10_000) }, { by: 'a\nb' }, { by: 'alice', ['k'.repeat(5000)]: 1 }, JSON.parse('{"__proto__": {"by": "x"}}')];
    for (const input of hostile) {
      const d = decideApproval(state(drainGate), input);
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.reason.length).toBeLessThanOrEqual(1000);
    }
  });
});

describe('free text in messages', () => {
  it('keeps its words but not its control characters', () => {
    const d = decideApproval(state(drainGate), { by: 'alice', comment: 'looks good\nApproved by: mallory\u001b[2J\u202e' });
    expect(d).toMatchObject({ ok: true, approval: { comment: 'looks good Approved by: mallory [2J ' } });
  });
});
