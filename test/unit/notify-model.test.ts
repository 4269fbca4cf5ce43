import { approveCommandOf, deliveryIdOf, notifyEventOfState, notifyTargetsOf, stateMessage, validateRequest, whoCanApprove, type InputProblem, type RolloutRequest, type RolloutStatus } from '../../src/model';

const request = (over: Record<string, unknown> = {}) => ({ app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab', ...over });
const problems = (input: unknown): InputProblem[] => {
  const r = validateRequest(input);
  return r.ok ? [] : r.problems;
};

describe('notify targets', () => {
  it('accepts one of each kind and fills in every event and the timeout', () => {
    const r = validateRequest(request({ notify: [{ kind: 'webhook', url: 'http://127.0.0.1:9/hook', secretEnv: 'HOOK_SECRET' }, { kind: 'slack', urlEnv: 'SLACK_URL', events: ['awaiting-approval', 'failed'] }] }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.notify?.[0]).toMatchObject({ events: ['awaiting-approval', 'approval-timeout-soon', 'paused', 'waiting-window', 'succeeded', 'failed', 'rolled-back', 'drift-corrected'], timeoutSeconds: 10 });
    expect(notifyTargetsOf(r.value, {}).map((t) => t.label)).toEqual(['notify[0] webhook', 'notify[1] slack ($SLACK_URL)']);
  });

  it.each([
    [{ kind: 'webhook', secretEnv: 'S' }, '$.notify[0].url', 'give exactly one of url and urlEnv'],
    [{ kind: 'slack', url: 'http://x/', urlEnv: 'U' }, '$.notify[0].url', 'give exactly one of url and urlEnv'],
    [{ kind: 'webhook', url: 'http://x/' }, '$.notify[0].secretEnv', 'name the environment variable'],
    [{ kind: 'slack', url: 'ftp://x/' }, '$.notify[0].url', 'http:// or https://'],
    [{ kind: 'slack', urlEnv: 'U', events: ['awaiting-aproval'] }, '$.notify[0].events[0]', ''],
    [{ kind: 'teams', urlEnv: 'U' }, '$.notify[0].kind', ''],
    [{ kind: 'slack', urlEnv: 'BAD-NAME' }, '$.notify[0].urlEnv', 'environment variable name'],
    [{ kind: 'slack', urlEnv: 'U', secret: 'hunter2' }, '$.notify[0].secret', ''],
  ])('refuses %j at its JSON path', (target, at, words) => {
    const found = problems(request({ notify: [target] }));
    expect(found.map((p) => p.path)).toContain(at);
    expect(found.find((p) => p.path === at)?.message).toContain(words);
    expect(JSON.stringify(found)).not.toContain('hunter2');
  });

  it('puts the estate targets after the request targets', () => {
    const targets = notifyTargetsOf({ notify: [{ kind: 'slack', urlEnv: 'A', events: ['failed'], timeoutSeconds: 10 }] }, { notify: [{ kind: 'webhook', url: 'http://h/', secretEnv: 'S', events: ['succeeded'], timeoutSeconds: 10 }] });
    expect(targets.map((t) => t.label)).toEqual(['notify[0] slack ($A)', 'estate.notify[0] webhook']);
  });
});

describe('notification events and text', () => {
  it('maps the states that tell someone, and no other', () => {
    const states = ['scheduled', 'waiting-window', 'running', 'awaiting-approval', 'paused', 'draining', 'rolling-back', 'rolled-back', 'succeeded', 'failed'] as const;
    expect(Object.fromEntries(states.map((s) => [s, notifyEventOfState(s) ?? null]))).toEqual({
      scheduled: null,
      'waiting-window': 'waiting-window',
      running: null,
      'awaiting-approval': 'awaiting-approval',
      paused: 'paused',
      draining: null,
      'rolling-back': null,
      'rolled-back': 'rolled-back',
      succeeded: 'succeeded',
      failed: 'failed',
    });
  });

  it('gives a stable delivery ID per rollout and sequence number', () => {
    expect(deliveryIdOf('rollout-1', 3)).toBe('rollout-1/notify-3');
    expect(deliveryIdOf('rollout-1', 3)).toBe(deliveryIdOf('rollout-1', 3));
  });

  it('writes the exact approve command, quoting what a shell would split', () => {
    expect(approveCommandOf('userHitCount-1.1-abc', 'cell-Y')).toBe('turnout approve userHitCount-1.1-abc --by <your name> --phase cell-Y');
    expect(approveCommandOf("it's mine", 'X.drain')).toBe("turnout approve 'it'\\''s mine' --by <your name> --phase X.drain");
  });

  it('says who can approve', () => {
    const approvals = { phases: ['*'], timeoutSeconds: 60, onTimeout: 'wait', fourEyes: true } as RolloutRequest['approvals'];
    expect(whoCanApprove({ startedBy: 'release-bot', approvals })).toBe('anyone but release-bot (four-eyes)');
    expect(whoCanApprove({ startedBy: 'release-bot', approvals: { ...approvals, fourEyes: false } })).toBe('anyone who can reach the rollout');
    expect(whoCanApprove({ startedBy: 'alice', approvals: { ...approvals, approvers: ['group:release', 'carol'] } })).toBe('group:release, carol (not alice: four-eyes)');
  });

  it('describes each state it notifies of', () => {
    const base = { rolloutId: 'r1', app: 'a', toVersion: '2', target: 'a@e', currentStep: 'cell-Y.drain' } as RolloutStatus;
    expect(stateMessage({ ...base, state: 'awaiting-approval', pendingApproval: { phase: 'cell-Y', gate: 'cell-Y', question: 'Go?', since: '' } })).toBe('cell-Y awaits approval: Go?');
    expect(stateMessage({ ...base, state: 'paused' })).toBe('paused at cell-Y.drain; resume with turnout resume r1 --by <your name>');
    expect(stateMessage({ ...base, state: 'waiting-window', window: { opensAt: '2026-12-02T22:00:00Z' } })).toBe('outside the off-peak windows at cell-Y.drain; the next one opens 2026-12-02T22:00:00Z');
    expect(stateMessage({ ...base, state: 'succeeded' })).toBe('a 2 is live on a@e');
    expect(stateMessage({ ...base, state: 'failed', reason: 'step X failed' })).toBe('failed: step X failed');
    expect(stateMessage({ ...base, state: 'rolled-back', reason: 'asked' })).toBe('rolled back: asked');
  });
});

describe('turnout status', () => {
  it('shows a notification that was not delivered', async () => {
    const { renderStatus } = await import('../../src/cli/render-status');
    const status = { rolloutId: 'r1', workflowType: 'multiCellRollout', app: 'a', fromVersion: '1', toVersion: '2', target: 'a@e', state: 'succeeded', currentStep: null, steps: [], approvals: [], events: [],
      notifications: [
        { deliveryId: 'r1/notify-1', event: 'succeeded', target: 'notify[0] slack', state: 'failed', at: '', error: 'attempt 3: no answer within 1s' },
        { deliveryId: 'r1/notify-1', event: 'succeeded', target: 'notify[1] webhook', state: 'delivered', at: '', attempts: 1 },
      ] } as RolloutStatus;
    const text = renderStatus(status);
    expect(text).toContain('notification not delivered: succeeded to notify[0] slack (r1/notify-1): attempt 3: no answer within 1s');
    expect(text).not.toContain('notify[1] webhook');
  });
});
