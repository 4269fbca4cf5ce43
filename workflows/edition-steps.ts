/**
 * Runners of the edition rollout's step kinds (seed 003): members in and out of routing at the
 * on-demand router, the quiesce of requests still in flight, the reset with its check, and the
 * validation clone's bindings. Like every runner, each records what it is about to change in the
 * context BEFORE the activity runs, so a rollback repairs a half-finished step too.
 *
 * The seed's failure rule lives in the reset: a member of the first group that fails to take the
 * new edition fails the rollout (the executor rolls it back, N stays active); a member of a later
 * group is set aside, out of new-session routing, listed for a person, and the rollout goes on.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { CellRoutingState, Step } from '../src/model';
import type { ResetMembersResult } from '../activities/edition-types';
import { editionActs, quiesceActivities, summarized } from './activity-proxies';
import { failureTypes } from './failure-types';
import { guarded } from './routing-guard';
import type { StepContext, StepOutcome } from './steps';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** What an edition rollout changed so far: what its rollback repairs. */
export interface EditionChanges {
  /** Groups (by phase) whose reset began: their members may hold N+1. */
  tainted: string[];
  /** Members set aside after the first group: out of new-session routing, for a person. */
  attention: string[];
  /** The validation clone's bindings were (or may have been) bound, and not yet renamed back. */
  bound: boolean;
}

/** A fresh record of changes. */
export function noEditionChanges(): EditionChanges {
  return { tainted: [], attention: [], bound: false };
}

/** Members set aside take no new sessions, whatever a later step would give them. */
function withoutAttention(ctx: StepContext, states: Record<string, CellRoutingState>): Record<string, CellRoutingState> {
  return Object.fromEntries(Object.entries(states).map(([m, s]) => [m, ctx.edition.attention.includes(m) ? 'maint' : s]));
}

/** Sets members' states at the router in one change; recorded first, so the guard and the rollback know. */
export async function routeMembers(ctx: StepContext, states: Record<string, CellRoutingState>, title: string, acts = editionActs): Promise<void> {
  const wanted = withoutAttention(ctx, states);
  Object.assign(ctx.routed, wanted);
  await summarized(acts.routeMembers, title, { estate: ctx.estate, states: wanted });
}

async function runQuiesce(ctx: StepContext, step: StepOf<'quiesce'>): Promise<StepOutcome> {
  const input = { estate: ctx.estate, servers: step.servers, at: step.at, limitSeconds: step.limitSeconds };
  const result = await ctx.run.interruptible(() => guarded(ctx, step.id, () => summarized(quiesceActivities(step.limitSeconds).quiesceMembers, step.title, input)));
  if (!result) return 'interrupted';
  const where = step.at === 'router' ? 'at the router' : 'in the servers';
  const left = result.inFlight.filter((s) => s.inFlight !== 0).map((s) => `${s.name} ${s.inFlight ?? `unknown${s.problem ? ` (${s.problem})` : ''}`}`);
  // The seed stops the application at the limit whatever is in flight: the limit is the request's to set.
  const note = result.quiet ? `nothing in flight ${where} after ${result.waitedSeconds}s` : `limit of ${step.limitSeconds}s reached ${where} with requests in flight: ${left.join(', ')}`;
  ctx.run.event('turnout', result.quiet ? 'quiesced' : 'quiesce-limit', note, step.id);
  return 'done';
}

/** Lists members that failed after the first group, and takes them out of new-session routing at once. */
async function setAside(ctx: StepContext, step: StepOf<'resetMembers'>, failed: ResetMembersResult['members']): Promise<void> {
  const { run } = ctx;
  const at = new Date().toISOString();
  for (const m of failed) {
    if (!ctx.edition.attention.includes(m.name)) ctx.edition.attention.push(m.name);
    run.status.attention = [...(run.status.attention ?? []).filter((a) => a.name !== m.name), { name: m.name, problem: m.problem ?? 'failed', at }];
  }
  const names = failed.map((m) => m.name);
  run.event('turnout', 'members-set-aside', `${names.join(', ')} failed to take ${step.version} after the first group: ${failed.map((m) => `${m.name}: ${m.problem}`).join('; ')}. The rollout goes on (seed 003); they take no new sessions and need a person`, step.id);
  await routeMembers(ctx, Object.fromEntries(names.map((n) => [n, 'maint' as const])), `Take ${names.join(', ')} out of routing: they need a person`);
}

async function runReset(ctx: StepContext, step: StepOf<'resetMembers'>): Promise<StepOutcome> {
  const { run, request } = ctx;
  if (!ctx.edition.tainted.includes(step.phase)) ctx.edition.tainted.push(step.phase);
  const input = { estate: ctx.estate, app: request.app, servers: step.servers, version: step.version, artifact: step.artifact, reset: step.reset };
  const { members } = await summarized(editionActs.resetMembers, step.title, input);
  const failed = members.filter((m) => !m.ok);
  const ok = members.filter((m) => m.ok);
  if (ok.length > 0) run.event('turnout', 'members-reset', `${ok.map((m) => `${m.name}${m.pid === undefined ? '' : ` (pid ${m.pid ?? 'none'})`}`).join(', ')} answer ${step.version} after a ${step.reset} reset`, step.id);
  if (failed.length === 0) return 'done';
  const detail = failed.map((m) => `${m.name}: ${m.problem}`).join('; ');
  if (step.group === 1) throw ApplicationFailure.nonRetryable(`the first group failed to take ${step.version} (${detail}); ${request.fromVersion} stays the active edition`, failureTypes.memberResetFailed);
  await setAside(ctx, step, failed);
  return 'done';
}

async function runValidationBindings(ctx: StepContext, step: StepOf<'validationBindings'>): Promise<StepOutcome> {
  // Recorded before the call: a half-finished bind is undone by a rollback too; a promote leaves nothing to undo.
  if (step.action === 'bind') ctx.edition.bound = true;
  const result = await summarized(editionActs.validationBindings, step.title, { estate: ctx.estate, cluster: step.cluster, action: step.action });
  if (step.action === 'promote') ctx.edition.bound = false;
  ctx.run.event('turnout', step.action === 'bind' ? 'validation-bound' : 'validation-promoted', step.action === 'bind' ? `bound ${result.validation.join(', ') || 'no resources'}` : `clusters/${step.cluster}-validation/ renamed back to clusters/${step.cluster}/`, step.id);
  return 'done';
}

/** Runs an edition step. */
export async function runEditionStep(ctx: StepContext, step: StepOf<'routeMembers' | 'quiesce' | 'resetMembers' | 'validationBindings'>): Promise<StepOutcome> {
  switch (step.kind) {
    case 'routeMembers':
      await routeMembers(ctx, step.states, step.title);
      return 'done';
    case 'quiesce':
      return runQuiesce(ctx, step);
    case 'resetMembers':
      return runReset(ctx, step);
    case 'validationBindings':
      return runValidationBindings(ctx, step);
  }
}
