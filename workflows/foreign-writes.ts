/**
 * Foreign writes to the files turnout manages (issue 13). Files are not routing the guard may put
 * back on its own: someone rewrote plugin-cfg.xml for a reason (WebSphere's automatic generation,
 * an operator's edit). So turnout compares each file with the hash of what it last wrote, at each
 * poll of a wait (the routing guard, which only records it) and before each step (here); on a
 * mismatch the rollout stops at that step boundary at a `foreign-write` gate, with the diff in the
 * status and Current details. It never proceeds blind:
 *
 * - approve keeps the other writer's change: it must still be the change the person saw; turnout
 *   writes its own file for the current stage again with that change on top (so the routing the
 *   rollout needs is back and the other writer's edit stays), waits for the plug-ins to re-read it,
 *   and applies the change to every later file it writes. A change that does not fit turnout's file
 *   asks once more: approving then writes turnout's file without it.
 * - rollback is the normal rollback: every HTTP server gets its starting bytes back.
 *
 * Before a rollout that writes plugin-cfg.xml starts, a cell that regenerates the file on its own
 * (declared `pluginCfgAutomation: "on"`, or read so through wsadmin) is refused.
 *
 * Patched ('foreign-writes'): histories recorded before it replay without any of this.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { Estate, ForeignFile, Plan, Step } from '../src/model';
import type { ManagedFiles } from '../activities/rollout-types';
import { acts, shortActs, summarized } from './activity-proxies';
import { awaitPickup } from './cluster-steps';
import { failureTypes } from './failure-types';
import { foreignWritesPatch } from './routing-guard';
import { awaitApproval, type Gate, type StepContext } from './steps';

/** The files turnout has written so far and so manages; undefined before its first write. */
export function managedFiles(ctx: StepContext): ManagedFiles | undefined {
  return ctx.changes.pluginCfg ? { pluginCfg: ctx.changes.pluginCfg } : undefined;
}

const where = (files: readonly ForeignFile[]): string => files.map((f) => `${f.file} on ${f.hosts.join(', ')}${f.foundSha256 === null ? ' (missing)' : ''}`).join('; ');

function question(files: readonly ForeignFile[]): string {
  return `${where(files)} is not the file turnout wrote (diff in the status). Approve to keep that change: turnout writes its file again with the change on top, on every HTTP server, and keeps it in every later file. Or roll back: every HTTP server gets its starting plugin-cfg.xml back.`;
}

/**
 * Before a step that changes anything: when a managed file is not what turnout last wrote, waits at
 * a `foreign-write` gate and acts on the answer. Returns `interrupted` when a rollback was asked for.
 * Steps that change nothing (checks, burn-in, drains, gates) are not held: nothing is built on the
 * foreign file by them, their waits are watched at each poll, and the next step that changes
 * something stops. Each check reads every HTTP server's file (over ssh, a second or so), so it is
 * spent where it protects something.
 */
export async function stopForForeignWrites(ctx: StepContext, step: Step): Promise<'clear' | 'interrupted'> {
  if (!step.disruptive || !managedFiles(ctx) || !patched(foreignWritesPatch)) return 'clear';
  const { run, estate, changes } = ctx;
  let discard: string | undefined;
  for (;;) {
    const expected = managedFiles(ctx) as ManagedFiles;
    const { foreign } = await summarized(shortActs().checkManagedFiles, 'Compare the files turnout manages with what it last wrote', { estate, expected });
    if (foreign.length === 0) {
      run.foreignWriteCleared();
      return 'clear';
    }
    run.foreignWriteNoticed(foreign, step.id);
    const gate: Gate = { name: `${step.id}.foreign-write`, phase: step.phase, kind: 'foreign-write', question: discard ?? question(foreign) };
    if (!(await awaitApproval(ctx, gate))) return 'interrupted';
    let keep: Awaited<ReturnType<ReturnType<typeof shortActs>['adoptForeignFiles']>> = {};
    if (discard === undefined) {
      keep = await summarized(shortActs().adoptForeignFiles, 'Read the approved files again: the change to keep', { estate, expected, seen: foreign.map((f) => ({ hosts: f.hosts, foundSha256: f.foundSha256 })) });
      if (keep.changed) {
        run.event('turnout', 'foreign-write-changed', `${keep.changed}: approve again after reading the new diff`, step.id);
        continue;
      }
      if (keep.conflict) {
        discard = `The approved change cannot be kept on turnout's file: ${keep.conflict}. Approve to write turnout's file without it (the other writer's change is lost, on the record), or roll back.`;
        run.event('turnout', 'foreign-write-conflict', discard, step.id);
        continue;
      }
    }
    const pluginCfg = changes.pluginCfg;
    if (pluginCfg) {
      if (keep.edit) {
        changes.accepted = [...(changes.accepted ?? []), keep.edit];
        changes.pluginCfg = { ...pluginCfg, accepted: changes.accepted };
      }
      await summarized(acts.distributePluginCfg, `Write the ${pluginCfg.stage} plugin-cfg.xml again${keep.edit ? ' with the approved change on top' : ''}`, { estate, ...(changes.pluginCfg as NonNullable<typeof changes.pluginCfg>) });
    }
    run.event('turnout', 'foreign-write-accepted', discard !== undefined ? `${where(foreign)}: turnout's file written back without the other writer's change` : `${where(foreign)}: the change is kept, on top of turnout's file, from now on`, step.id);
    discard = undefined;
    run.foreignWriteCleared();
    if (!(await awaitPickup(ctx, 'plugin-cfg.xml after the approved change'))) return 'interrupted';
  }
}

/**
 * Before anything is touched: a rollout that writes plugin-cfg.xml refuses a cell that regenerates
 * and propagates the file on its own. Declared `on` is refused as such; a wsadmin cell is read, and
 * automatic or unknown is refused, whatever it declares. Other cells cannot be read (the lab): the
 * foreign-write gate is what guards them.
 */
export async function refuseAutomaticPluginCfg(estate: Estate, plan: Plan): Promise<void> {
  const cells = [...new Set(plan.steps.flatMap((s) => (s.kind === 'pluginCfg' ? s.cells : [])))];
  if (cells.length === 0 || !patched(foreignWritesPatch)) return;
  const declared = estate.cells
    .filter((c) => cells.includes(c.name) && c.pluginCfgAutomation === 'on')
    .map((c) => `cell ${c.name} declares pluginCfgAutomation "on": WebSphere regenerates and propagates plugin-cfg.xml on its own and would overwrite turnout's files; turn it off in the cell and in the estate`);
  const read = declared.length === 0 && estate.appServer.driver === 'wsadmin' ? await summarized(shortActs().checkPluginCfgAutomation, `Check that cell ${cells.join(' + ')} does not regenerate plugin-cfg.xml on its own`, { estate, cells }) : [];
  const problems = [...declared, ...read];
  if (problems.length > 0) throw ApplicationFailure.nonRetryable(`cannot plan: nothing was touched: ${problems.join('; ')}`, failureTypes.planningRefused);
}
