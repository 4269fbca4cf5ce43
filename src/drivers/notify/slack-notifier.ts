/**
 * A Slack-compatible incoming webhook: `text` (the fallback Slack shows in notifications) and Block
 * Kit `blocks` naming the rollout, phase, who can approve, the UI link and the exact approve
 * command. Slack's limits are kept (header 150 characters, section text 3,000, a field 2,000).
 */
import type { Notification } from '../../model';
import type { NotificationLinks, Notifier } from './notifier';

const titles: Record<Notification['event'], string> = {
  'awaiting-approval': 'awaiting approval',
  'approval-timeout-soon': 'approval times out soon',
  paused: 'paused',
  'waiting-window': 'waiting for its window',
  succeeded: 'succeeded',
  failed: 'failed',
  'rolled-back': 'rolled back',
  'drift-corrected': 'routing drift corrected',
};

const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 3)}...` : s);
/** Slack's mrkdwn escapes only these three. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const field = (label: string, value: string) => ({ type: 'mrkdwn', text: cut(`*${label}*\n${esc(value)}`, 2000) });

function fields(n: Notification) {
  const r = n.rollout;
  return [
    field('Rollout', r.id),
    field('App', `${r.app} ${r.fromVersion} -> ${r.toVersion}`),
    field('Target', r.target),
    field('Phase', n.gate ? `${n.phase ?? n.gate.name} (gate ${n.gate.name})` : (n.phase ?? '-')),
    field('State', r.state),
    field('Who can approve', n.approvers),
  ];
}

function blocks(n: Notification, links: NotificationLinks) {
  const title = `${n.rollout.app} ${n.rollout.toVersion}: ${titles[n.event]}`;
  return [
    { type: 'header', text: { type: 'plain_text', text: cut(title, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(esc(n.message), 3000) }, fields: fields(n) },
    ...(n.approveCommand ? [{ type: 'section', text: { type: 'mrkdwn', text: cut(`Approve with:\n\`\`\`${esc(n.approveCommand)}\`\`\``, 3000) } }] : []),
    {
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Temporal UI' }, url: cut(links.ui, 3000), action_id: 'open-rollout' }],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: cut(`<${links.ui}|${esc(n.rollout.id)}> · delivery ${esc(n.deliveryId)} · ${n.at}`, 2000) }] },
  ];
}

/** The Slack notifier. */
export const slackNotifier: Notifier = {
  kind: 'slack',
  body: (n, links) => ({ text: cut(`${n.rollout.app} ${n.rollout.toVersion} ${titles[n.event]}: ${n.message}`, 3000), blocks: blocks(n, links) }),
};
