/** A notification as the workflow builds it, for the notifier tests. */
import { approveCommandOf, type Notification, type NotifyEvent } from '../../src/model';

/** A notification as the workflow builds it. */
export function notificationOf(event: NotifyEvent, over: Partial<Notification> = {}): Notification {
  const gate = event === 'awaiting-approval' || event === 'approval-timeout-soon';
  return {
    deliveryId: 'rollout-1/notify-3',
    event,
    at: '2026-12-02T04:00:00.000Z',
    message: 'cell-Y awaits approval: Start cell-Y?',
    rollout: { id: 'rollout-1', workflowType: 'multiCellRollout', app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', target: 'userHitCount@lab', state: gate ? 'awaiting-approval' : 'running' },
    ...(gate ? { phase: 'cell-Y', gate: { name: 'cell-Y', question: 'Start cell-Y?' }, approveCommand: approveCommandOf('rollout-1', 'cell-Y') } : {}),
    approvers: 'anyone but release-bot (four-eyes)',
    ...over,
  };
}
