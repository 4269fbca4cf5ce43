/**
 * The state of one running rollout and its message handlers: status, approvals, pause, rollback
 * requests and the audit trail. The executor drives it; the handlers only record intent, so every
 * decision is taken in one place, at a well-defined point of the workflow.
 */
import { CancellationScope, condition, isCancellation, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Plan, RolloutRequest, RolloutState, RolloutStatus, StepStatus } from '../src/model';
import type { z } from 'zod';
import { problemsOf } from '../src/model/issues';
import { isFinal } from '../src/model/status';
import { renderCurrentDetails } from '../src/planning/details';
import {
  approveInputSchema,
  approvePhaseUpdate,
  approveSignal,
  drainProgressSignal,
  messageDescriptions,
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
  type DrainProgress,
  type PauseInput,
  type RollbackInput,
} from './messages';
import { rolloutSearchAttributes } from './search-attributes';

const now = (): string => new Date().toISOString();

/** Who asked for a rollback, and why. */
export interface RollbackRequest {
  by: string;
  reason: string;
}

/** Validates a message's input; a refused update names each bad field by JSON path. */
function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new Error(problemsOf(r.error).map((p) => `${p.path}: ${p.message}`).join('; '));
}

/** A rollout's live state. One instance per workflow execution. */
export class RolloutRun {
  readonly status: RolloutStatus;
  plan: Plan | undefined;
  request: RolloutRequest | undefined;
  paused = false;
  rollback: RollbackRequest | undefined;
  /** Approvals received for phases, including ones sent before their gate was reached. */
  private readonly approved = new Map<string, ApproveInput>();
  /** The scope of the interruptible work under way (drain, burn-in, a gate), cancelled by a rollback. */
  private scope: CancellationScope | undefined;

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

  /** Registers every query, signal and update, with the descriptions the UI shows. */
  registerHandlers(): void {
    const d = messageDescriptions;
    setHandler(statusQuery, () => this.status, { description: d.status });
    setHandler(planQuery, () => this.plan as Plan, { description: d.plan });
    setHandler(approveSignal, (input) => this.onApprove(input, false), { description: d.approve });
    setHandler(rollbackSignal, (input) => this.onRollback(input), { description: d.rollback });
    setHandler(pauseSignal, (input) => this.onPause(input), { description: d.pause });
    setHandler(resumeSignal, (input) => this.onResume(input), { description: d.resume });
    setHandler(drainProgressSignal, (p) => this.onDrainProgress(p), { description: d.drainProgress });
    // Updates answer once the executor has acted on them, so the status they return shows the effect.
    setHandler(approvePhaseUpdate, async (input) => {
      const pending = this.status.pendingApproval?.phase;
      const phase = input.phase ?? pending ?? '';
      this.onApprove(input, true);
      // An approval sent ahead (while waiting for a window) answers at once; its gate takes it later.
      if (phase === pending) await condition(() => !this.approved.has(phase) || this.rollback !== undefined);
      return this.status;
    }, {
      description: d.approvePhase,
      validator: (input) => this.validateApprove(input),
    });
    setHandler(requestRollbackUpdate, async (input) => {
      this.onRollback(input);
      await condition(() => this.status.state === 'rolling-back' || isFinal(this.status.state));
      return this.status;
    }, {
      description: d.requestRollback,
      validator: (input) => this.validateRollback(input),
    });
    setHandler(pauseRolloutUpdate, async (input) => {
      this.onPause(input);
      await condition(() => this.status.state === 'paused' || this.rollback !== undefined || isFinal(this.status.state));
      return this.status;
    }, {
      description: d.pauseRollout,
      validator: (input) => this.validatePause(input),
    });
    setHandler(resumeRolloutUpdate, async (input) => {
      this.onResume(input);
      await condition(() => this.status.state !== 'paused');
      return this.status;
    }, {
      description: d.resumeRollout,
      validator: (input) => this.validateResume(input),
    });
  }

  // -- validators (updates only: a refused update leaves no trace in history) --

  private validateApprove(input: ApproveInput): void {
    const a = parseOrThrow(approveInputSchema, input);
    const pending = this.status.pendingApproval;
    if (!pending && this.status.state === 'waiting-window' && a.phase) {
      // Waiting for a window, people may approve a phase of the plan ahead of its gate.
      if (!this.plan?.steps.some((s) => s.phase === a.phase)) throw new Error(`the plan has no phase ${a.phase}`);
    } else {
      if (!pending) throw new Error(`nothing is awaiting approval (state: ${this.status.state})`);
      if (a.phase && a.phase !== pending.phase) throw new Error(`phase ${a.phase} is not awaiting approval; ${pending.phase} is`);
    }
    this.checkFourEyes(a.by);
  }

  private validateRollback(input: RollbackInput): void {
    parseOrThrow(rollbackInputSchema, input);
    if (this.rollback || this.status.state === 'rolling-back') throw new Error('already rolling back');
    if (isFinal(this.status.state)) throw new Error(`the rollout has ended (${this.status.state}); nothing to roll back`);
  }

  private validatePause(input: PauseInput): void {
    parseOrThrow(pauseInputSchema, input);
    if (isFinal(this.status.state) || this.rollback) throw new Error(`cannot pause: ${this.status.state}`);
    if (this.paused) throw new Error('already paused');
  }

  private validateResume(input: { by: string }): void {
    parseOrThrow(resumeInputSchema, input);
    if (!this.paused) throw new Error(`not paused (state: ${this.status.state})`);
  }

  private checkFourEyes(by: string): void {
    const starter = this.request?.startedBy;
    if (this.request?.approvals.fourEyes && starter && starter === by) throw new Error(`four-eyes: ${by} started this rollout and cannot approve it`);
  }

  // -- handlers: record intent, wake the executor --

  private onApprove(input: ApproveInput, validated: boolean): void {
    const parsed = approveInputSchema.safeParse(input);
    if (!parsed.success) return this.event('turnout', 'message-refused', 'approve ignored: input needs {"by": "<name>"}');
    const a = parsed.data;
    if (!validated) {
      try {
        this.checkFourEyes(a.by);
      } catch (err) {
        return this.event(a.by, 'message-refused', `approve refused: ${(err as Error).message}`);
      }
    }
    const phase = a.phase ?? this.status.pendingApproval?.phase;
    if (!phase) return this.event(a.by, 'message-refused', 'approve ignored: nothing is awaiting approval and no phase was named');
    if (this.plan && !this.plan.steps.some((s) => s.phase === phase)) return this.event(a.by, 'message-refused', `approve ignored: the plan has no phase ${phase}`);
    this.approved.set(phase, a);
    this.event(a.by, 'approval-received', `approved ${phase}${a.comment ? `: ${a.comment}` : ''}`);
  }

  private onRollback(input: RollbackInput): void {
    const parsed = rollbackInputSchema.safeParse(input);
    const r = parsed.success ? parsed.data : { by: (input as { by?: string })?.by || 'unknown', reason: 'no reason given' };
    if (this.rollback || isFinal(this.status.state)) return this.event(r.by, 'message-refused', `rollback ignored: ${this.rollback ? 'already rolling back' : `the rollout has ended (${this.status.state})`}`);
    this.requestRollback(r);
  }

  private onPause(input: PauseInput): void {
    const by = pauseInputSchema.safeParse(input).success ? input.by : 'unknown';
    if (this.paused || this.rollback || isFinal(this.status.state)) return this.event(by, 'message-refused', 'pause ignored');
    this.paused = true;
    this.event(by, 'pause-requested', input.reason ?? 'paused at the next step boundary');
  }

  private onResume(input: { by: string }): void {
    const by = resumeInputSchema.safeParse(input).success ? input.by : 'unknown';
    if (!this.paused) return this.event(by, 'message-refused', 'resume ignored: not paused');
    this.paused = false;
    this.event(by, 'resumed', 'resumed');
  }

  private onDrainProgress(p: DrainProgress): void {
    if (this.status.currentStep !== p.stepId || this.rollback) return;
    const step = this.plan?.steps.find((s) => s.id === p.stepId);
    const measure = step?.kind === 'drain' && step.measure === 'connections' ? 'connections' : 'sessions';
    this.status.drain = { servers: p.servers, deadline: p.deadline, measure };
    this.publish();
  }

  // -- what the executor uses --

  /** Starts a rollback: records who and why, and cuts short whatever interruptible wait is under way. */
  requestRollback(r: RollbackRequest): void {
    if (this.rollback) return;
    this.rollback = r;
    this.event(r.by, 'rollback-requested', r.reason);
    this.scope?.cancel();
  }

  /** Whether an approval for `phase` has arrived. */
  hasApproval(phase: string): boolean {
    return this.approved.has(phase);
  }

  /** Takes the approval recorded for `phase`, if any. */
  takeApproval(phase: string): ApproveInput | undefined {
    const a = this.approved.get(phase);
    if (a) this.approved.delete(phase);
    return a;
  }

  /** Runs `fn` so that a rollback request cancels it; resolves to undefined when it was interrupted. */
  async interruptible<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (this.rollback) return undefined;
    const scope = new CancellationScope();
    this.scope = scope;
    try {
      return await scope.run(fn);
    } catch (err) {
      if (this.rollback && isCancellation(err)) return undefined;
      throw err;
    } finally {
      this.scope = undefined;
    }
  }

  /** Waits at a step boundary while paused; a rollback request ends the wait. */
  async holdWhilePaused(): Promise<void> {
    if (!this.paused) return;
    const before = this.status.state;
    this.setState('paused');
    await condition(() => !this.paused || this.rollback !== undefined);
    if (!this.rollback) this.setState(before === 'paused' ? 'running' : before);
  }

  /** Appends an audit event. */
  event(by: string, type: string, message: string, stepId?: string): void {
    this.status.events.push({ at: now(), by, type, message, ...(stepId ? { stepId } : {}) });
    this.publish();
  }

  /** Moves to a new state, and tells the UI and the search attributes. */
  setState(state: RolloutState): void {
    if (this.status.state === state) return;
    this.status.state = state;
    upsertSearchAttributes([{ key: rolloutSearchAttributes.state, value: state }]);
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
