/**
 * Runners of the GlassFish family's step kinds (seeds 000 and 001): the deploy, the per-instance
 * switch, giving an instance back to the load balancer, dynamic reconfiguration and the session
 * store. Like every runner, each records what it is about to change BEFORE the activity runs, so a
 * rollback repairs a half-finished step too.
 */
import type { Step } from '../src/model';
import type { InstanceVersions } from '../activities/glassfish-types';
import { glassfishActs, summarized } from './activity-proxies';
import type { StepContext, StepOutcome } from './steps';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** What a GlassFish rollout changed so far: what its rollback repairs. */
export interface GlassfishChanges {
  /** N+1 was (or may have been) deployed to the cluster: versioned beside N, or in place of it. */
  deployed: boolean;
  /** Instances whose switch to N+1 began (versioned): they may hold N+1. */
  switched: string[];
  /** Dynamic reconfiguration was (or may have been) turned off by the rollout. */
  reconfigOff: boolean;
  /** The cluster's dynamic reconfiguration before the rollout, as recorded at its start. */
  reconfigBefore?: boolean;
}

/** A fresh record of changes. */
export function noGlassfishChanges(): GlassfishChanges {
  return { deployed: false, switched: [], reconfigOff: false };
}

/** Keeps each instance's last-read versions in the status, for `turnout status` and Current details. */
export function showInstances(ctx: StepContext, read: readonly InstanceVersions[]): void {
  const at = new Date().toISOString();
  const rows = new Map((ctx.run.status.instances ?? []).map((r) => [r.name, r]));
  for (const v of read) rows.set(v.name, { name: v.name, enabled: [...v.enabled], serving: v.serving, at });
  ctx.run.status.instances = [...rows.values()];
}

async function runDeploy(ctx: StepContext, step: StepOf<'deployVersion'>): Promise<StepOutcome> {
  ctx.glassfish.deployed = true;
  const { app } = ctx.request;
  await summarized(glassfishActs.deployVersion, step.title, { estate: ctx.estate, app, cluster: step.cluster, version: step.version, artifact: step.artifact, contextRoot: step.contextRoot, enabled: step.enabled, versioned: step.versioned });
  ctx.run.event('turnout', 'deployed', `${step.versioned ? `${app}:${step.version}` : `${app} ${step.version}`} on ${step.cluster}, ${step.enabled ? 'enabled' : 'disabled'}`, step.id);
  return 'done';
}

async function runSwitch(ctx: StepContext, step: StepOf<'switchVersion'>): Promise<StepOutcome> {
  if (!ctx.glassfish.switched.includes(step.instance)) ctx.glassfish.switched.push(step.instance);
  const result = await summarized(glassfishActs.switchVersion, step.title, { estate: ctx.estate, app: ctx.request.app, instance: step.instance, version: step.version, checkSeconds: step.checkSeconds });
  showInstances(ctx, [result.instance]);
  ctx.run.event('turnout', 'instance-switched', `${step.instance} answers ${step.version} ${(result.answeredAfterMs / 1000).toFixed(1)}s after the switch began (the commands took ${(result.switchMs / 1000).toFixed(1)}s)`, step.id);
  return 'done';
}

async function runEnable(ctx: StepContext, step: StepOf<'enableInstance'>): Promise<StepOutcome> {
  ctx.routed[step.instance] = 'ready';
  const read = await summarized(glassfishActs.enableInstance, step.title, { estate: ctx.estate, app: ctx.request.app, instance: step.instance, version: step.version, checkSeconds: ctx.request.glassfish?.checkSeconds ?? 120, rampUpSeconds: step.rampUpSeconds });
  showInstances(ctx, [read]);
  return 'done';
}

async function runDynamicReconfig(ctx: StepContext, step: StepOf<'dynamicReconfig'>): Promise<StepOutcome> {
  if (!step.enabled) ctx.glassfish.reconfigOff = true;
  const r = await summarized(glassfishActs.setDynamicReconfig, step.title, { estate: ctx.estate, cluster: step.cluster, enabled: step.enabled });
  if (step.enabled) ctx.glassfish.reconfigOff = false;
  ctx.run.event('turnout', 'dynamic-reconfiguration', `${step.cluster}: dynamic reconfiguration ${r.before === r.after ? `already ${r.after ? 'on' : 'off'}` : `turned ${r.after ? 'on' : 'off'}`}`, step.id);
  return 'done';
}

async function runSessionStore(ctx: StepContext, step: StepOf<'sessionStore'>): Promise<StepOutcome> {
  const r = await summarized(glassfishActs.sessionStore, step.title, { estate: ctx.estate, app: ctx.request.app, instance: step.instance, op: step.op });
  ctx.run.event('turnout', `sessions-${step.op}`, `${step.instance}: ${r.sessions} session(s), ${r.location}${r.detail ? `; ${r.detail}` : ''}`, step.id);
  return 'done';
}

/** Runs a GlassFish step. */
export async function runGlassfishStep(ctx: StepContext, step: StepOf<'deployVersion' | 'switchVersion' | 'enableInstance' | 'dynamicReconfig' | 'sessionStore'>): Promise<StepOutcome> {
  switch (step.kind) {
    case 'deployVersion':
      return runDeploy(ctx, step);
    case 'switchVersion':
      return runSwitch(ctx, step);
    case 'enableInstance':
      return runEnable(ctx, step);
    case 'dynamicReconfig':
      return runDynamicReconfig(ctx, step);
    case 'sessionStore':
      return runSessionStore(ctx, step);
  }
}
