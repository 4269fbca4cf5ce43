/**
 * Notifications (`notify` in the request or the estate): who is told what, and how. Pure: the
 * workflow builds each notification from here, and the activity alone reads the environment, so a
 * webhook's URL given by `urlEnv` and its secret never reach history, logs or the status.
 */
import { z } from 'zod';
import type { Estate } from './estate';
import type { RolloutRequest } from './request';
import type { RolloutState, RolloutStatus } from './status';

/** The events a notification target can ask for. */
export const notifyEvents = {
  awaitingApproval: 'awaiting-approval',
  /** At 80% of the approval timeout, while the gate still waits. */
  approvalTimeoutSoon: 'approval-timeout-soon',
  paused: 'paused',
  waitingWindow: 'waiting-window',
  succeeded: 'succeeded',
  failed: 'failed',
  rolledBack: 'rolled-back',
  driftCorrected: 'drift-corrected',
} as const;
export type NotifyEvent = (typeof notifyEvents)[keyof typeof notifyEvents];
/** Every event, in the order a rollout may meet them. */
export const allNotifyEvents = Object.values(notifyEvents) as [NotifyEvent, ...NotifyEvent[]];

/** The kinds of target: a signed generic JSON webhook, and a Slack-compatible incoming webhook. */
export const notifyKinds = { webhook: 'webhook', slack: 'slack' } as const;
export type NotifyKind = (typeof notifyKinds)[keyof typeof notifyKinds];

/** The share of the approval timeout after which `approval-timeout-soon` is sent. */
export const approvalTimeoutSoonShare = 0.8;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits and _');

export const notifyTargetSchema = z
  .object({
    kind: z.enum([notifyKinds.webhook, notifyKinds.slack]),
    /** Where to POST. Prefer `urlEnv` for a URL that is itself a secret (a Slack webhook's is). */
    url: z.string().max(2000).regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL').optional(),
    /** The worker's environment variable that holds the URL; read only by the activity. */
    urlEnv: envName.optional(),
    /** The events this target is told of; every event when absent. */
    events: z.array(z.enum(allNotifyEvents)).min(1).default([...allNotifyEvents]),
    /** The worker's environment variable holding the HMAC-SHA256 key; required for `webhook`. */
    secretEnv: envName.optional(),
    /** Longest wait for one attempt's answer; three attempts are made. */
    timeoutSeconds: z.number().int().min(1).max(60).default(10),
  })
  .strict()
  .refine((t) => (t.url === undefined) !== (t.urlEnv === undefined), { path: ['url'], message: 'give exactly one of url and urlEnv' })
  .refine((t) => t.kind !== notifyKinds.webhook || t.secretEnv !== undefined, { path: ['secretEnv'], message: 'a webhook is signed: name the environment variable that holds its secret' });
export type NotifyTarget = z.infer<typeof notifyTargetSchema>;

/** A request's or an estate's `notify` list. */
export const notifyListSchema = z.array(notifyTargetSchema).max(20);

/** A target with where it was declared, which is how the status and the CLI name it (never by URL). */
export interface NotifyTargetRef {
  /** Such as `notify[0] webhook` or `estate.notify[1] slack`. */
  label: string;
  target: NotifyTarget;
}

/** The request's targets, then the estate's. */
export function notifyTargetsOf(request: Pick<RolloutRequest, 'notify'>, estate: Pick<Estate, 'notify'>): NotifyTargetRef[] {
  const label = (where: string, t: NotifyTarget, i: number): string => `${where}[${i}] ${t.kind}${t.urlEnv ? ` ($${t.urlEnv})` : ''}`;
  return [
    ...(request.notify ?? []).map((target, i) => ({ label: label('notify', target, i), target })),
    ...(estate.notify ?? []).map((target, i) => ({ label: label('estate.notify', target, i), target })),
  ];
}

/** The event a rollout sends when it enters `state`, if any. */
export function notifyEventOfState(state: RolloutState): NotifyEvent | undefined {
  const byState: Partial<Record<RolloutState, NotifyEvent>> = {
    'awaiting-approval': notifyEvents.awaitingApproval,
    paused: notifyEvents.paused,
    'waiting-window': notifyEvents.waitingWindow,
    succeeded: notifyEvents.succeeded,
    failed: notifyEvents.failed,
    'rolled-back': notifyEvents.rolledBack,
  };
  return byState[state];
}

/** What a notification of the state the rollout just entered says. */
export function stateMessage(s: RolloutStatus): string {
  const where = s.currentStep ? ` at ${s.currentStep}` : '';
  switch (s.state) {
    case 'awaiting-approval':
      return `${s.pendingApproval?.gate ?? s.pendingApproval?.phase ?? 'a gate'} awaits approval${s.pendingApproval?.question ? `: ${s.pendingApproval.question}` : ''}`;
    case 'paused':
      return `paused${where}; resume with turnout resume ${s.rolloutId} --by <your name>`;
    case 'waiting-window':
      return `outside the off-peak windows${where}; the next one opens ${s.window?.opensAt ?? 'later'}`;
    case 'succeeded':
      return `${s.app} ${s.toVersion} is live on ${s.target}`;
    case 'failed':
      return `failed${s.reason ? `: ${s.reason}` : ''}`;
    case 'rolled-back':
      return `rolled back${s.reason ? `: ${s.reason}` : ''}`;
    default:
      return s.state;
  }
}

/** The delivery ID of a rollout's `seq`th notification: the same on every attempt, so a receiver can drop repeats. */
export function deliveryIdOf(rolloutId: string, seq: number): string {
  return `${rolloutId}/notify-${seq}`;
}

/** Who may answer the rollout's gates, in words. */
export function whoCanApprove(request: Pick<RolloutRequest, 'startedBy' | 'approvals'>): string {
  const starter = request.approvals.fourEyes && request.startedBy ? request.startedBy : undefined;
  const listed = request.approvals.approvers ?? [];
  if (listed.length) return `${listed.join(', ')}${starter ? ` (not ${starter}: four-eyes)` : ''}`;
  if (starter) return `anyone but ${starter} (four-eyes)`;
  return 'anyone who can reach the rollout';
}

/** The exact command that approves `gate` of rollout `rolloutId`. */
export function approveCommandOf(rolloutId: string, gate: string): string {
  const quoted = (s: string): string => (/^[A-Za-z0-9_.:/@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `turnout approve ${quoted(rolloutId)} --by <your name> --phase ${quoted(gate)}`;
}

/**
 * One notification as the workflow builds it: plain data, the same on every attempt and for every
 * target. The UI link is added by the activity, from the worker's configuration.
 */
export interface Notification {
  deliveryId: string;
  event: NotifyEvent;
  at: string;
  /** One line, for people. */
  message: string;
  rollout: { id: string; workflowType: string; app: string; fromVersion: string; toVersion: string; target: string; state: RolloutState };
  /** The phase concerned, when there is one (a gate's, a failed step's). */
  phase?: string;
  /** The gate awaiting approval, its question and timeout. */
  gate?: { name: string; question?: string; timeoutAt?: string };
  /** When the off-peak window opens (`waiting-window`). */
  windowOpensAt?: string;
  approvers: string;
  /** The command that approves the gate waiting, when one waits. */
  approveCommand?: string;
}
