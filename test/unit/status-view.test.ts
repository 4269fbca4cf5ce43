import type { AuditEvent, RolloutStatus } from '../../src/model';
import { renderCurrentDetails } from '../../src/planning/details';
import { clock, clockTime, lastRefusal, markdownText, recentEvents, stepTime } from '../../src/planning/status-view';
import { renderStatus } from '../../src/cli/render-status';

const pad = (n: number): string => String(n).padStart(2, '0');
const local = (iso: string): string => {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};
const ev = (at: string, type: string, message: string, by = 'alice'): AuditEvent => ({ at: `2026-12-02T13:${at}Z`, by, type, message });

describe('status view', () => {
  it('shows times as clock time plus duration: UTC in the workflow (and says so), the local zone in the CLI', () => {
    expect(clockTime('2026-12-02T13:27:51.123Z', 'utc')).toBe('13:27:51 UTC');
    expect(clockTime('2026-12-02T13:27:51.123Z', 'local')).toBe(local('2026-12-02T13:27:51.123Z'));
    expect(clockTime('not a time', 'utc')).toBe('not a time');
    expect(clock('2026-12-02T13:27:51.123Z', 'utc')).toBe('13:27:51');
    expect(stepTime({ startedAt: '2026-12-02T13:27:51.000Z', endedAt: '2026-12-02T13:27:55.400Z' }, 'utc')).toBe('13:27:51, 4s');
    expect(stepTime({ startedAt: '2026-12-02T13:27:51.000Z', endedAt: '2026-12-02T13:29:56.000Z' }, 'utc')).toBe('13:27:51, 2m 05s');
    expect(stepTime({ startedAt: '2026-12-02T13:27:51.000Z' }, 'utc')).toBe('13:27:51');
    expect(stepTime({ endedAt: '2026-12-02T13:27:51.000Z' }, 'utc')).toBe('ended 13:27:51');
    expect(stepTime({}, 'utc')).toBe('');
    expect(stepTime({ startedAt: '2026-12-02T13:27:51.000Z', endedAt: '2026-12-02T13:27:55.000Z' }, 'local')).toBe(`${local('2026-12-02T13:27:51.000Z')}, 4s`);
  });

  it('lists the last five events, refusals first, newest first within each', () => {
    const events = [
      ev('20:00', 'rollout-started', 'started'),
      ev('21:00', 'step-started', 'X.drain'),
      ev('22:00', 'message-refused', 'approve refused: first'),
      ev('23:00', 'step-done', 'X.drain'),
      ev('24:00', 'message-refused', 'approve refused: second'),
      ev('25:00', 'approval-requested', 'cell-Y'),
    ];
    expect(recentEvents(events).map((e) => [e.refused, e.event.message])).toEqual([
      [true, 'approve refused: second'],
      [true, 'approve refused: first'],
      [false, 'cell-Y'],
      [false, 'X.drain'],
      [false, 'X.drain'],
    ]);
    expect(recentEvents([])).toEqual([]);
  });

  it("keeps the last refusal of a person's message until one is accepted; the drain activity's refusals are not a person's", () => {
    const refused = ev('22:00', 'message-refused', 'approve refused: $.by: say who you are', 'unknown');
    expect(lastRefusal([ev('20:00', 'rollout-started', 'started'), refused, ev('23:00', 'step-done', 'X.drain')])).toEqual(refused);
    expect(lastRefusal([refused, ev('23:00', 'approval-received', 'approved cell-Y')])).toBeUndefined();
    expect(lastRefusal([refused, ev('23:00', 'message-refused', 'drainProgress refused: ServerZ9 is not drained by X.drain', 'unknown')])).toEqual(refused);
    expect(lastRefusal([ev('20:00', 'approval-received', 'approved cell-Y'), refused])).toEqual(refused);
    expect(lastRefusal([])).toBeUndefined();
  });

  it('makes message text inert in Markdown and cuts it to a readable length', () => {
    expect(markdownText('[click](http://x) | # *bold* <b>`x`</b>')).toBe('\\[click\\](http://x) \\| \\# \\*bold\\* \\<b\\>\\`x\\`\\</b\\>');
    expect(markdownText('x'.repeat(400))).toBe(`${'x'.repeat(300)}…`);
  });

  describe('in Current details and turnout status', () => {
    const status: RolloutStatus = {
      rolloutId: 'r1',
      workflowType: 'singleCellRollout',
      app: 'userHitCount',
      fromVersion: '1.0',
      toVersion: '1.1',
      target: 'userHitCount@lab',
      state: 'awaiting-approval',
      currentStep: 'transition.approval',
      steps: [
        { id: 'B.install', title: 'Install', status: 'done', startedAt: '2026-12-02T13:27:51.000Z', endedAt: '2026-12-02T13:27:55.000Z' },
        { id: 'transition.approval', title: 'Approval to start transition', status: 'running', startedAt: '2026-12-02T13:28:00.000Z' },
      ],
      pendingApproval: { phase: 'transition', since: '2026-12-02T13:28:00.000Z' },
      approvals: [],
      events: [ev('27:50', 'rollout-started', 'started', 'release-engineer'), ev('28:10', 'message-refused', 'approve refused: $.by: say who you are', 'unknown')],
    };

    it('says why the last message was refused at the gate, marks it in Recent events, and shows step times', () => {
      const md = renderCurrentDetails(status);
      expect(md).toContain('**Your last message was refused** (13:28:10 UTC, from unknown): approve refused: $.by: say who you are. Nothing changed; send it again, corrected.');
      expect(md).toContain('**Recent events** (times in UTC)\n\n- ⚠ **refused** 13:28:10 unknown, message-refused: approve refused: $.by: say who you are\n- 13:27:50 release-engineer, rollout-started: started');
      expect(md).toContain('| | step | time (UTC) |');
      expect(md).toContain('| ✓ | Install | 13:27:51, 4s |');
      expect(md).toContain('| ▶ | Approval to start transition | 13:28:00 |');
      const text = renderStatus(status);
      expect(text).toContain(`your last message was refused (${local('2026-12-02T13:28:10Z')}, from unknown): approve refused: $.by: say who you are\n`);
      expect(text).toContain(`  [x] Install  (${local('2026-12-02T13:27:51.000Z')}, 4s)\n`);
    });

    it('forgets the refusal once a message is accepted, and once the rollout has ended', () => {
      const accepted = { ...status, events: [...status.events, ev('28:20', 'approval-received', 'approved transition')] };
      expect(renderCurrentDetails(accepted)).not.toContain('Your last message was refused');
      expect(renderStatus(accepted)).not.toContain('your last message was refused');
      const ended = { ...status, state: 'succeeded' as const, pendingApproval: undefined };
      expect(renderCurrentDetails(ended)).not.toContain('Your last message was refused');
      expect(renderCurrentDetails(ended)).toContain('- ⚠ **refused** 13:28:10 unknown');
    });
  });
});
