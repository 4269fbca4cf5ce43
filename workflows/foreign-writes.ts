/**
 * Foreign writes to the files turnout manages (issue 13): plugin-cfg.xml and loadbalancer.xml.
 * Files are not routing the guard may put back on its own: someone rewrote one for a reason
 * (WebSphere's automatic generation, an operator's edit). So turnout compares each file with the hash of what it last wrote, at each
 * poll of a wait (the routing guard, which only records it) and before each step (here); on a
 * mismatch the rollout stops at that step boundary at a `foreign-write` gate, with the diff in the
 * status and Current details. It never proceeds blind:
 *
 * - approve takes the other writer's file as the new baseline: it must still be the change the
 *   person saw; turnout applies that change to its own file for the current stage and then its own
 *   routing on top again (moves, weights 0, disabled instances: a kept change never undoes them),
 *   writes it to every host, waits for it to be read, and does the same for every later file. A
 *   change turnout's routing cannot be applied to (it removed a server the stage moves) asks once
 *   more: approving then writes turnout's file without it. A later file whose lines the change no
 *   longer fits fails its write before anything is written, and the failure policy applies.
 * - rollback is the normal rollback: every HTTP server (load balancer) gets its starting bytes back.
 *
 * Before a rollout that writes plugin-cfg.xml starts, a cell that regenerates the file on its own
 * (declared `pluginCfgAutomation: "on"`, or read so through wsadmin) is refused.
 *
 * Patched ('foreign-writes'): histories recorded before it replay without any of this.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { Estate, ForeignFile, Plan, Step } from '../src/model';
import type { FileEdit, ManagedFiles } from '../activities/rollout-types';
import { acts, shortActs, summarized } from './activity-proxies';
import { awaitPickup } from './cluster-steps';
import { failureTypes } from './failure-types';
import { writeLb } from './lb-steps';
import { foreignWritesPatch } from './routing-guard';
import { awaitApproval, type Gate, type StepContext } from './steps';

/**
 * The files turnout manages: the plugin-cfg.xml it last wrote, or the loadbalancer.xml of a
 * procedure that recorded the load balancers' starting file (the same bytes on all of them, which
 * turnout's writes start from); undefined before that.
 */
export function managedFiles(ctx: StepContext): ManagedFiles | undefined {
  if (ctx.changes.pluginCfg) return { pluginCfg: ctx.changes.pluginCfg };
  const { start, edits, accepted } = ctx.lb;
  if (start !== undefined) return { loadbalancerXml: { start, edits, ...(accepted?.length ? { accepted } : {}) } };
  return undefined;
}

const where = (files: readonly ForeignFile[]): string => files.map((f) => `${f.file} on ${f.hosts.join(', ')}${f.foundSha256 === null ? ' (missing)' : ''}`).join('; ');

function question(files: readonly ForeignFile[]): string {
  const hosts = files.some((f) => f.file === 'loadbalancer.xml') ? 'load balancer' : 'HTTP server';
  return `${where(files)} is not the file turnout wrote (diff in the status). Approve to keep that change: turnout writes its file again with the change on top, on every ${hosts}, and keeps it in every later file. Or roll back: every ${hosts} gets its starting file back.`;
}

/** Writes turnout's current file again, with the approved change on top when there is one, and waits for it to be read. */
async function writeAgain(ctx: StepContext, edit: FileEdit | undefined): Promise<boolean> {
  const { changes, lb, estate } = ctx;
  const pluginCfg = changes.pluginCfg;
  if (pluginCfg) {
    if (edit) {
      changes.accepted = [...(changes.accepted ?? []), edit];
      changes.pluginCfg = { ...pluginCfg, accepted: changes.accepted };
    }
    const file = changes.pluginCfg as NonNullable<typeof changes.pluginCfg>;
    await summarized(acts.distributePluginCfg, `Write the ${file.stage} plugin-cfg.xml again${edit ? ' with the approved change on top' : ''}`, { estate, ...file });
    return awaitPickup(ctx, 'plugin-cfg.xml after the approved change');
  }
  if (edit) lb.accepted = [...(lb.accepted ?? []), edit];
  // writeLb waits for the load balancers' poll itself (not interruptible, like every write of the file).
  await writeLb(ctx, lb.edits, `Write loadbalancer.xml again${edit ? ' with the approved change on top' : ''}`);
  return true;
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
  const { run, estate } = ctx;
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
    const written = await writeAgain(ctx, keep.edit);
    run.event('turnout', 'foreign-write-accepted', discard !== undefined ? `${where(foreign)}: turnout's file written back without the other writer's change` : `${where(foreign)}: the change is kept, on top of turnout's file, from now on`, step.id);
    discard = undefined;
    run.foreignWriteCleared();
    if (!written) return 'interrupted';
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
