/**
 * A rollout's notifications: each event is one activity per target, started without waiting for it
 * and outside any cancellation scope, so neither a slow receiver nor a rollback holds or cuts it.
 * A delivery that fails after its retries is recorded in the status, and the rollout goes on.
 *
 * Only rollouts with targets (and past the `rollout-notifications` patch) have one: histories
 * recorded before notifications, and requests without `notify`, replay unchanged.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, condition, patched, sleep, workflowInfo } from '@temporalio/workflow';
import {
  approvalTimeoutSoonShare,
  approveCommandOf,
  deliveryIdOf,
  notifyEventOfState,
  stateMessage,
  notifyTargetsOf,
  whoCanApprove,
  type Estate,
  type NotificationDelivery,
  type Notification,
  type NotifyEvent,
  type NotifyTargetRef,
  type RolloutRequest,
  type RolloutState,
} from '../src/model';
import { notifyActivities } from './activity-proxies';
import type { RolloutRun } from './rollout-run';

/** Deliveries kept in the status; older delivered ones are dropped first, so failures stay visible. */
const maxDeliveriesKept = 200;
/** The longest the end of a rollout waits for deliveries still under way (three attempts of at most 60 s and their backoff). */
const flushLimit = '4 minutes';

/** The terminal events: each is sent once, whichever path ended the rollout. */
const finalEvents: ReadonlySet<NotifyEvent> = new Set(['succeeded', 'failed', 'rolled-back']);

/** What a continued run's notifications take over. */
export interface CarriedNotifications {
  seq: number;
  finalSent: boolean;
}

/** Sends the rollout's notifications and records how each delivery went. */
export class RolloutNotifications {
  private seq = 0;
  private pending = 0;
  private finalSent = false;

  private constructor(
    private readonly run: RolloutRun,
    private readonly request: RolloutRequest,
    private readonly targets: NotifyTargetRef[],
  ) {}

  /** The rollout's notifications, or undefined when it has no targets (or its history predates them). */
  static of(run: RolloutRun, request: RolloutRequest, estate: Estate): RolloutNotifications | undefined {
    const targets = notifyTargetsOf(request, estate);
    if (targets.length === 0 || !patched('rollout-notifications')) return undefined;
    return new RolloutNotifications(run, request, targets);
  }

  /** Where the numbering of deliveries stands, for a continued run to go on from. */
  carried(): CarriedNotifications {
    return { seq: this.seq, finalSent: this.finalSent };
  }

  /** Goes on from the run before: delivery IDs stay unique across runs, and the final news is sent once. */
  takeOver(carried: CarriedNotifications): void {
    this.seq = carried.seq;
    this.finalSent = carried.finalSent;
  }

  /** Whether any target asked for `event`. */
  wants(event: NotifyEvent): boolean {
    return this.targets.some((t) => t.target.events.includes(event));
  }

  /** The rollout entered `state`: tells whoever asked, if the state has an event. */
  stateEntered(state: RolloutState): void {
    const event = notifyEventOfState(state);
    // A final state counts as told even when nobody asked for it: a rolled-back rollout then closes
    // as a failure, and the executor's "failed" for whatever ended it must not follow.
    if (event && (this.wants(event) || finalEvents.has(event))) this.send(event, stateMessage(this.run.status));
  }

  /**
   * Sends `approval-timeout-soon` at 80% of a gate's timeout unless the returned function is called
   * first (the gate was answered or interrupted).
   */
  warnBeforeTimeout(timeoutMs: number): () => void {
    if (!this.wants('approval-timeout-soon')) return () => undefined;
    const scope = new CancellationScope();
    scope.run(() => sleep(Math.floor(timeoutMs * approvalTimeoutSoonShare))).then(
      () => this.send('approval-timeout-soon', `no approval yet: ${this.run.status.pendingApproval?.gate ?? 'the gate'} times out at ${this.run.status.pendingApproval?.timeoutAt ?? 'its timeout'}`),
      () => undefined,
    );
    return () => scope.cancel();
  }

  /** Sends `event` to every target that asked for it. */
  send(event: NotifyEvent, message: string): void {
    if (finalEvents.has(event)) {
      if (this.finalSent) return;
      this.finalSent = true;
    }
    const targets = this.targets.filter((t) => t.target.events.includes(event));
    if (targets.length === 0) return;
    const notification = this.build(event, message, deliveryIdOf(workflowInfo().workflowId, ++this.seq));
    for (const t of targets) this.deliver(t, notification);
  }

  /** Waits (bounded) for the deliveries under way, so the final status says how they went. */
  async flush(): Promise<void> {
    // Non-cancellable: a cancelled rollout still reports how its last notifications went.
    await CancellationScope.nonCancellable(() => condition(() => this.pending === 0, flushLimit));
  }

  private build(event: NotifyEvent, message: string, deliveryId: string): Notification {
    const s = this.run.status;
    const pending = s.pendingApproval;
    const step = s.currentStep ? this.run.plan?.steps.find((p) => p.id === s.currentStep) : undefined;
    const gateWaits = pending !== undefined && (event === 'awaiting-approval' || event === 'approval-timeout-soon');
    return {
      deliveryId,
      event,
      at: new Date().toISOString(),
      message,
      rollout: { id: s.rolloutId, workflowType: s.workflowType, app: s.app, fromVersion: s.fromVersion, toVersion: s.toVersion, target: s.target, state: s.state },
      ...(gateWaits ? { phase: pending.phase, gate: { name: pending.gate ?? pending.phase, question: pending.question, timeoutAt: pending.timeoutAt } } : step ? { phase: step.phase } : {}),
      ...(event === 'waiting-window' && s.window?.opensAt ? { windowOpensAt: s.window.opensAt } : {}),
      approvers: whoCanApprove(this.request),
      ...(gateWaits ? { approveCommand: approveCommandOf(s.rolloutId, pending.gate ?? pending.phase) } : {}),
    };
  }

  private deliver(ref: NotifyTargetRef, notification: Notification): void {
    const entry: NotificationDelivery = { deliveryId: notification.deliveryId, event: notification.event, target: ref.label, state: 'sending', at: notification.at };
    this.keep(entry);
    this.pending++;
    const settled = (): void => {
      this.pending--;
      this.run.publish();
    };
    // Non-cancellable: a rollback cancels the wait a drift was found in, not the news of it.
    void CancellationScope.nonCancellable(() => notifyActivities(ref.target.timeoutSeconds).deliverNotification({ target: ref.target, notification })).then(
      (result) => {
        Object.assign(entry, { state: 'delivered', attempts: result.attempt });
        settled();
      },
      (err: unknown) => {
        const why = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.message : err instanceof Error ? err.message : String(err);
        Object.assign(entry, { state: 'failed', error: why });
        this.run.event('turnout', 'notification-failed', `${notification.event} to ${ref.label} (delivery ${notification.deliveryId}) was not delivered: ${why}; the rollout goes on`);
        settled();
      },
    );
  }

  private keep(entry: NotificationDelivery): void {
    const list = (this.run.status.notifications ??= []);
    if (list.length >= maxDeliveriesKept) {
      const old = list.findIndex((d) => d.state === 'delivered');
      list.splice(old >= 0 ? old : 0, 1);
    }
    list.push(entry);
  }
}
