/**
 * The state of one running rollout and its message handlers: status, approvals, pause, rollback
 * requests and the audit trail. The executor drives it; the handlers only record intent, so every
 * decision is taken in one place, at a well-defined point of the workflow.
 *
 * No input can fail a workflow task: every handler validates what it gets against the message
 * schemas, a signal that does not fit is recorded as `message-refused`, an update is refused by its
 * validator, and a handler that throws anyway is caught and recorded.
 */
import { allHandlersFinished, CancellationScope, condition, isCancellation, patched, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ForeignFile, Plan, RolloutRequest, RolloutState, RolloutStatus, StepStatus } from '../src/model';
import type { z } from 'zod';
import { isFinal } from '../src/model/status';
import { renderCurrentDetails } from '../src/planning/details';
import { withTrend } from '../src/planning/drain-view';
import { decideApproval, type ApprovalDecision } from './approvals';
import { decodeArgument, errorText, readInput, receivedRaw, senderOf } from './message-input';
import {
  approvePhaseUpdate,
  approveSignal,
  drainProgressSchema,
  drainProgressSignal,
  leaveAsIsInputSchema,
  leaveAsIsSignal,
  leaveRolloutAsIsUpdate,
  pauseInputSchema,
  pauseRolloutUpdate,
  pauseSignal,
  planQuery,
  requestRollbackUpdate,
  resumeInputSchema,
  resumeRolloutUpdate,
  resumeSignal,
  rollbackInputSchema,
  rollbackSignal,
  statusQuery,
  type ApproveInput,
  type LeaveAsIsInput,
  type PauseInput,
  type RollbackInput,
} from './messages';
import { messageDescriptionsFor } from './message-descriptions';
import { rolloutSearchAttributes } from './search-attributes';
import type { RolloutNotifications } from './notifications';

const now = (): string => new Date().toISOString();

/**
 * The patch under which a rollback ends an interruptible wait at once, in the workflow task of the
 * request, instead of when the cancelled wait settles: a cancelled activity settles a core
 * activation later, or not before its next heartbeat, and the restore need not wait for it.
 */
export const rollbackWithoutCancelAckPatch = 'rollback-without-cancel-ack';

/** Refusals kept in the audit trail; older ones are dropped (and counted), so a flood cannot grow the status without bound. */
const maxRefusalsKept = 100;

/** Who asked for a rollback, and why. */
export interface RollbackRequest {
  by: string;
  reason: string;
}

/** A drain under way: the only step whose progress the internal channel accepts. */
interface ActiveDrain {
  stepId: string;
  servers: ReadonlySet<string>;
  measure: 'sessions' | 'connections';
}

/** The run's own state a continued run takes over (continue-as-new), beside the status. */
export interface CarriedRun {
  /** Approvals sent ahead of their gates, by gate name or phase. */
  approvedAhead: [string, ApproveInput][];
  paused: boolean;
  refusalsDropped: number;
}

/** A message the rollout takes now, or who sent it and why it is refused. */
type Checked<T> = { ok: true; value: T } | { ok: false; by: string; reason: string };

/** An update's validator: a refusal is the reason the update fails with. */
function orThrow(checked: Checked<unknown>): void {
  if (!checked.ok) throw new Error(checked.reason);
}

/** A rollout's live state. One instance per workflow execution. */
export class RolloutRun {
  readonly status: RolloutStatus;
  plan: Plan | undefined;
  request: RolloutRequest | undefined;
  /** Who may approve, resolved against the estate; anyone when undefined. */
  approvers: string[] | undefined;
  paused = false;
  rollback: RollbackRequest | undefined;
  /** A person ended the rollback where it stood. */
  leftAsIs: { by: string; reason: string } | undefined;
  /** The rollout's notifications, when it has targets. */
  notifications: RolloutNotifications | undefined;
  /** Approvals received for gates (by gate name) or ahead of their gates (by phase). */
  private readonly approved = new Map<string, ApproveInput>();
  /** The scope of the interruptible work under way (drain, burn-in, a gate), cancelled by a rollback. */
  private scope: CancellationScope | undefined;
  /** Ends the interruptible wait under way as soon as a rollback is asked for (patched). */
  private interrupt: (() => void) | undefined;
  /** The routing guard's correction under way, if any: nothing else touches routing before it ends. */
  correcting: Promise<void> | undefined;
  private drain: ActiveDrain | undefined;
  private refusalsDropped = 0;

  constructor(workflowType: string) {
    const info = workflowInfo();
    this.status = {
      rolloutId: info.workflowId,
      workflowType,
      app: '',
      fromVersion: '',
      toVersion: '',
      target: '',
      state: 'running',
      currentStep: null,
      steps: [],
      approvals: [],
      events: [],
    };
  }

  /** Registers every query, signal and update, with the descriptions the UI shows for this procedure. */
  registerHandlers(): void {
    const d = messageDescriptionsFor(this.status.workflowType);
    setHandler(statusQuery, () => this.status, { description: d.status });
    setHandler(planQuery, () => this.plan as Plan, { description: d.plan });
    // Signals arrive as payloads and are decoded by guarded(): one that will not decode is refused too.
    setHandler(receivedRaw(approveSignal), this.guarded('approve', (input) => this.onApprove(input)), { description: d.approve });
    setHandler(receivedRaw(rollbackSignal), this.guarded('rollback', (input) => this.onRollback(input)), { description: d.rollback });
    setHandler(receivedRaw(pauseSignal), this.guarded('pause', (input) => this.onPause(input)), { description: d.pause });
    setHandler(receivedRaw(resumeSignal), this.guarded('resume', (input) => this.onResume(input)), { description: d.resume });
    setHandler(receivedRaw(leaveAsIsSignal), this.guarded('leaveAsIs', (input) => this.onLeaveAsIs(input)), { description: d.leaveAsIs });
    setHandler(receivedRaw(drainProgressSignal), this.guarded('drainProgress', (input) => this.onDrainProgress(input)), { description: d.drainProgress });
    // Updates answer once the executor has acted on them, so the status they return shows the effect.
    setHandler(approvePhaseUpdate, async (input) => {
      const decision = this.decideApproval(input);
      const pending = this.status.pendingApproval;
      this.takeDecision(decision);
      // An approval sent ahead answers at once; its gate takes it later.
      if (decision.ok && pending && decision.key === (pending.gate ?? pending.phase)) await condition(() => !this.approved.has(decision.key) || this.rollback !== undefined);
      return this.status;
    }, {
      description: d.approvePhase,
      validator: (input) => {
        const decision = this.decideApproval(input);
        if (!decision.ok) throw new Error(decision.reason);
      },
    });
    setHandler(requestRollbackUpdate, async (input) => {
      this.onRollback(input);
      await condition(() => this.status.state === 'rolling-back' || isFinal(this.status.state));
      return this.status;
    }, {
      description: d.requestRollback,
      validator: (input) => orThrow(this.check(rollbackInputSchema, input, () => this.rollbackRefusal())),
    });
    setHandler(pauseRolloutUpdate, async (input) => {
      this.onPause(input);
      await condition(() => this.status.state === 'paused' || (this.rollback !== undefined && !this.inRollback()) || isFinal(this.status.state));
      return this.status;
    }, {
      description: d.pauseRollout,
      validator: (input) => orThrow(this.check(pauseInputSchema, input, () => this.pauseRefusal())),
    });
    setHandler(resumeRolloutUpdate, async (input) => {
      this.onResume(input);
      await condition(() => this.status.state !== 'paused');
      return this.status;
    }, {
      description: d.resumeRollout,
      validator: (input) => orThrow(this.check(resumeInputSchema, input, () => this.resumeRefusal())),
    });
    setHandler(leaveRolloutAsIsUpdate, async (input) => {
      this.onLeaveAsIs(input);
      await condition(() => isFinal(this.status.state));
      return this.status;
    }, {
      description: d.leaveRolloutAsIs,
      validator: (input) => orThrow(this.check(leaveAsIsInputSchema, input, () => this.leaveAsIsRefusal())),
    });
  }

  /** A signal handler that can refuse but never throw: an unexpected error is recorded, not raised. */
  private guarded(name: string, fn: (input: unknown) => void): (raw?: unknown) => void {
    return (raw?: unknown) => {
      let input: unknown;
      try {
        input = decodeArgument(raw);
        fn(input);
      } catch (err) {
        this.refuse(senderOf(input), `${name} ignored: ${errorText(err)}`);
      }
    };
  }

  // -- validators (updates only: a refused update leaves no trace in history) --

  private decideApproval(input: unknown): ApprovalDecision {
    return decideApproval(
      {
        status: this.status,
        plan: this.plan,
        startedBy: this.request?.startedBy,
        fourEyes: this.request?.approvals.fourEyes ?? false,
        approvers: this.approvers,
        rollingBack: this.rollback !== undefined,
        approvedAhead: this.approved,
      },
      input,
    );
  }

  /**
   * Reads a message against its schema, then asks whether the rollout takes it now. The update's
   * validator and the signal's handler both go through here, so they refuse exactly the same things.
   */
  private check<T extends { by: string }>(schema: z.ZodType<T>, input: unknown, refusal: () => string | undefined): Checked<T> {
    const parsed = readInput(schema, input);
    if (!parsed.ok) return { ok: false, by: senderOf(input), reason: parsed.problems };
    const why = refusal();
    return why === undefined ? parsed : { ok: false, by: parsed.value.by, reason: why };
  }

  private rollbackRefusal(): string | undefined {
    if (this.rollback) return 'already rolling back';
    if (isFinal(this.status.state)) return `the rollout has ended (${this.status.state}); nothing to roll back`;
    return undefined;
  }

  private pauseRefusal(): string | undefined {
    if (isFinal(this.status.state) || this.leftAsIs) return `cannot pause: ${this.status.state}`;
    if (this.paused) return 'already paused';
    return undefined;
  }

  private resumeRefusal(): string | undefined {
    return this.paused ? undefined : `not paused (state: ${this.status.state})`;
  }

  private leaveAsIsRefusal(): string | undefined {
    if (isFinal(this.status.state)) return `the rollout has ended (${this.status.state})`;
    if (!this.rollback) return `only a rollback can be left as is; this rollout is ${this.status.state}`;
    if (this.leftAsIs) return `already left as is by ${this.leftAsIs.by}`;
    return undefined;
  }

  // -- handlers: record intent, wake the executor --

  private onApprove(input: unknown): void {
    this.takeDecision(this.decideApproval(input));
  }

  private takeDecision(decision: ApprovalDecision): void {
    if (!decision.ok) return this.refuse(decision.by, `approve refused: ${decision.reason}`);
    const { key, approval } = decision;
    this.approved.set(key, approval);
    this.event(approval.by, 'approval-received', `approved ${key}${approval.comment ? `: ${approval.comment}` : ''}`);
  }

  private onRollback(input: unknown): void {
    const refusal = this.rollbackRefusal();
    const parsed = readInput(rollbackInputSchema, input);
    // A rollback is never lost for a malformed input: the safe action is taken, and the input's faults recorded.
    const r: RollbackInput = parsed.ok ? parsed.value : { by: senderOf(input), reason: `no valid reason given (${parsed.problems})` };
    if (refusal) return this.refuse(r.by, `rollback refused: ${refusal}`);
    this.requestRollback(r);
  }

  private onPause(input: unknown): void {
    const c = this.check(pauseInputSchema, input, () => this.pauseRefusal());
    if (!c.ok) return this.refuse(c.by, `pause refused: ${c.reason}`);
    const p: PauseInput = c.value;
    this.paused = true;
    this.event(p.by, 'pause-requested', p.reason ?? `${this.inRollback() ? 'the rollback ' : ''}paused at the next step boundary`);
  }

  private onResume(input: unknown): void {
    const c = this.check(resumeInputSchema, input, () => this.resumeRefusal());
    if (!c.ok) return this.refuse(c.by, `resume refused: ${c.reason}`);
    this.paused = false;
    this.event(c.value.by, 'resumed', 'resumed');
  }

  private onLeaveAsIs(input: unknown): void {
    const c = this.check(leaveAsIsInputSchema, input, () => this.leaveAsIsRefusal());
    if (!c.ok) return this.refuse(c.by, `leave-as-is refused: ${c.reason}`);
    const l: LeaveAsIsInput = c.value;
    this.leftAsIs = { by: l.by, reason: l.reason };
    this.paused = false;
    this.event(l.by, 'leave-as-is-requested', `the rollback stops at the next step boundary and leaves the rest as it is: ${l.reason}`);
  }

  /** Progress of the drain under way, and only that one: anything else on this channel is dropped or refused. */
  private onDrainProgress(input: unknown): void {
    const parsed = readInput(drainProgressSchema, input);
    if (!parsed.ok) return this.refuse('unknown', `drainProgress refused: ${parsed.problems}`);
    const p = parsed.value;
    const drain = this.drain;
    // Late progress from an earlier drain (or an attempt a rollback cut short) is normal: drop it quietly.
    if (!drain || drain.stepId !== p.stepId) return;
    const stranger = p.servers.find((s) => !drain.servers.has(s.name));
    if (stranger) return this.refuse('unknown', `drainProgress refused: ${stranger.name} is not drained by ${p.stepId}`);
    // One count per server: the schema allows 10,000 entries, and repeats of one name would carry
    // megabytes into the status and Current details.
    const seen = new Set<string>();
    for (const s of p.servers) {
      if (seen.has(s.name)) return this.refuse('unknown', `drainProgress refused: ${s.name} is counted more than once`);
      seen.add(s.name);
    }
    // The trend is kept only for the servers this report names (a capped few), so it never grows with the estate.
    const servers = withTrend(p.servers, this.status.drain?.servers, now());
    this.status.drain = { servers, deadline: p.deadline, measure: drain.measure, ...(p.totals ? { totals: p.totals } : {}) };
    this.publish();
  }

  // -- what the executor uses --

  /** What the next run takes over when this one continues as new. */
  carried(): CarriedRun {
    return { approvedAhead: [...this.approved.entries()], paused: this.paused, refusalsDropped: this.refusalsDropped };
  }

  /** Takes over the run before this one: its status (steps, approvals, audit trail) and its intent. */
  takeOver(status: RolloutStatus, carried: CarriedRun): void {
    Object.assign(this.status, status);
    for (const [key, approval] of carried.approvedAhead) this.approved.set(key, approval);
    this.paused = carried.paused;
    this.refusalsDropped = carried.refusalsDropped;
    this.publish();
  }

  /** Whether the rollback has begun its own steps (as opposed to being asked for). */
  inRollback(): boolean {
    return this.rollback !== undefined && (this.status.state === 'rolling-back' || this.status.rollback !== undefined);
  }

  /** Starts a rollback: records who and why, and cuts short whatever interruptible wait is under way. */
  requestRollback(r: RollbackRequest): void {
    if (this.rollback) return;
    this.rollback = r;
    this.event(r.by, 'rollback-requested', r.reason);
    this.scope?.cancel();
    this.interrupt?.();
  }

  /** Whether an approval for `key` (a gate name or a phase) has arrived. */
  hasApproval(key: string): boolean {
    return this.approved.has(key);
  }

  /** Takes the approval recorded for `key`, if any. */
  takeApproval(key: string): ApproveInput | undefined {
    const a = this.approved.get(key);
    if (a) this.approved.delete(key);
    return a;
  }

  /** Marks a drain as under way, so its progress is accepted. */
  drainStarted(stepId: string, servers: readonly string[], measure: 'sessions' | 'connections'): void {
    this.drain = { stepId, servers: new Set(servers), measure };
  }

  /** Ends the drain under way. */
  drainEnded(): void {
    this.drain = undefined;
    this.status.drain = undefined;
  }

  /** Runs `fn` so that a rollback request cancels it; resolves to undefined when it was interrupted. */
  async interruptible<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (this.rollback) return undefined;
    const early = patched(rollbackWithoutCancelAckPatch);
    const scope = new CancellationScope();
    this.scope = scope;
    try {
      const work = scope.run(fn);
      return await (early ? this.untilRollback(work) : work);
    } catch (err) {
      if (this.rollback && isCancellation(err)) return undefined;
      throw err;
    } finally {
      this.scope = undefined;
      this.interrupt = undefined;
    }
  }

  /**
   * `work`'s outcome, or undefined as soon as a rollback is asked for. Every interruptible wait only
   * reads (drains, quiesces, timers, gates), so what it does after its cancellation cannot undo the
   * restore; its late outcome is dropped. A correction under way still ends first, as it would
   * have inside the wait's guard.
   */
  private async untilRollback<T>(work: Promise<T>): Promise<T | undefined> {
    const interrupted = new Promise<'interrupted'>((resolve) => {
      this.interrupt = () => resolve('interrupted');
    });
    work.catch(() => undefined);
    const first = await Promise.race([work.then((value) => ({ value })), interrupted]);
    if (first !== 'interrupted') return first.value;
    await this.correcting?.catch(() => undefined);
    return undefined;
  }

  /** Waits at a step boundary while paused; a rollback request ends the wait. */
  async holdWhilePaused(): Promise<void> {
    if (!this.paused) return;
    const before = this.status.state;
    this.setState('paused');
    await condition(() => !this.paused || this.rollback !== undefined);
    if (!this.rollback) this.setState(before === 'paused' ? 'running' : before);
  }

  /** Waits at a rollback step boundary while paused; leaving the rollback as is ends the wait. */
  async holdRollbackWhilePaused(): Promise<void> {
    if (!this.paused || this.leftAsIs) return;
    this.setState('paused');
    await condition(() => !this.paused || this.leftAsIs !== undefined);
    this.setState('rolling-back');
  }

  /**
   * Shows files someone else rewrote (status and Current details), with an event the first time
   * these bytes are seen; the rollout stops for a person at the next step boundary.
   */
  foreignWriteNoticed(files: ForeignFile[], stepId?: string): void {
    const key = (fs: readonly ForeignFile[]): string => fs.map((f) => `${f.hosts.join(',')}=${f.foundSha256 ?? 'missing'}`).join(';');
    if (this.status.foreignWrite && key(this.status.foreignWrite.files) === key(files)) return;
    this.status.foreignWrite = { noticedAt: now(), files };
    const where = files.map((f) => `${f.file} on ${f.hosts.join(', ')}`).join('; ');
    this.event('turnout', 'foreign-write', `${where}: not the file turnout wrote; the rollout stops at the next step boundary until a person approves the change or rolls back`, stepId);
  }

  /** The managed files are turnout's again. */
  foreignWriteCleared(): void {
    if (!this.status.foreignWrite) return;
    this.status.foreignWrite = undefined;
    this.publish();
  }

  /** Shows a rollback step blocked by a fault, retrying. Repeats of the same reason are not re-recorded. */
  rollbackBlocked(stepId: string, reason: string, attempts: number, retryEverySeconds: number): void {
    const progress = (this.status.rollback ??= { route: [] });
    const same = progress.blocked?.stepId === stepId && progress.blocked.reason === reason;
    progress.blocked = { stepId, reason, since: same && progress.blocked ? progress.blocked.since : now(), attempts, retryEverySeconds };
    if (!same) this.event('turnout', 'rollback-blocked', `${stepId}: ${reason}; retrying every ${retryEverySeconds}s`, stepId);
    else this.publish();
  }

  /** Clears a block once its step went through. */
  rollbackUnblocked(stepId: string): void {
    const blocked = this.status.rollback?.blocked;
    if (!blocked || blocked.stepId !== stepId) return;
    this.status.rollback!.blocked = undefined;
    this.event('turnout', 'rollback-unblocked', `${stepId} went through after ${blocked.attempts} attempt(s)`, stepId);
  }

  /** Waits until every update handler has answered, so none is left without a reply when the workflow ends. */
  async settle(): Promise<void> {
    await condition(allHandlersFinished);
  }

  /** Records a refused message; a flood keeps only the latest refusals. */
  refuse(by: string, message: string): void {
    const refusals = this.status.events.filter((e) => e.type === 'message-refused');
    if (refusals.length >= maxRefusalsKept) {
      const oldest = refusals[0];
      this.status.events.splice(this.status.events.indexOf(oldest as (typeof refusals)[number]), 1);
      this.refusalsDropped += 1;
    }
    this.event(by, 'message-refused', this.refusalsDropped > 0 ? `${message} (${this.refusalsDropped} older refusal(s) dropped)` : message);
  }

  /** Appends an audit event. */
  event(by: string, type: string, message: string, stepId?: string): void {
    this.status.events.push({ at: now(), by, type, message, ...(stepId ? { stepId } : {}) });
    if (type === 'drift-corrected') this.notifications?.send('drift-corrected', message);
    this.publish();
  }

  /** Moves to a new state, and tells the UI and the search attributes. */
  setState(state: RolloutState): void {
    if (this.status.state === state) return;
    this.status.state = state;
    upsertSearchAttributes([{ key: rolloutSearchAttributes.state, value: state }]);
    this.notifications?.stateEntered(state);
    this.publish();
  }

  /** Marks a step's status, with times. */
  markStep(id: string, status: StepStatus): void {
    const step = this.status.steps.find((s) => s.id === id);
    if (!step) return;
    step.status = status;
    if (status === 'running') {
      step.startedAt = now();
      this.status.currentStep = id;
    } else if (status !== 'pending') {
      step.endedAt = now();
    }
    this.publish();
  }

  /** Re-renders Current details. */
  publish(): void {
    setCurrentDetails(renderCurrentDetails(this.status));
  }
}
