/**
 * `turnout plan REQUEST.json`: validates the request and shows what would happen. Changes nothing.
 *
 * It prints the validated summary (the estate as turnout understood it, the policies with their
 * defaults filled in) and the numbered plan of the procedure. A planner's refusal (say, the capacity
 * check) is invalid input: exit 2, with the numbers.
 */
import type { Command } from 'commander';
import { allServers, workflowTypes, type Estate, type RolloutRequest } from '../../model';
import { loadRequestFile, refuseUnsafe } from '../request-input';
import { planRollout, PlanningError } from '../../planning';
import { renderPlanText } from '../../planning/render';
import { describeWindows, windowState } from '../../planning/windows';
import { CliError, ExitCode } from '../exit-codes';
import { quiescingNotes } from '../quiescing-notes';

/** The validated summary of a request, as printed by `turnout plan --json`. */
export interface RequestSummary {
  workflowType: string;
  app: string;
  fromVersion: string;
  toVersion: string;
  artifact: string;
  estate: { name: string; cells: { name: string; clusters: { name: string; state: string; servers: string[] }[] }[] };
  strategy: RolloutRequest['strategy'];
  drain: RolloutRequest['drain'];
  burnInSeconds: number;
  approvals: RolloutRequest['approvals'];
  windows?: RolloutRequest['windows'];
  smokeTest: RolloutRequest['smokeTest'];
  rollback: RolloutRequest['rollback'];
}

/** Summarises a validated request and its estate. */
export function summarize(request: RolloutRequest, estate: Estate): RequestSummary {
  const { app, fromVersion, toVersion, artifact, strategy, drain, burnInSeconds, approvals, windows, smokeTest, rollback } = request;
  return {
    workflowType: request.procedure ?? workflowTypes.multiCellRollout,
    app,
    fromVersion,
    toVersion,
    artifact,
    estate: {
      name: estate.name,
      cells: estate.cells.map((c) => ({ name: c.name, clusters: c.clusters.map((k) => ({ name: k.name, state: k.state, servers: k.servers.map((s) => s.name) })) })),
    },
    strategy,
    drain,
    burnInSeconds,
    approvals,
    ...(windows ? { windows } : {}),
    smokeTest,
    rollback,
  };
}

/** The summary as a person reads it. */
export function renderSummary(s: RequestSummary, estate: Estate): string {
  const lines = [
    `${s.workflowType}: ${s.app} ${s.fromVersion} -> ${s.toVersion} (artifact ${s.artifact})`,
    `estate ${s.estate.name}: ${estate.cells.length} cell(s), ${allServers(estate).length} server(s)`,
    ...s.estate.cells.flatMap((c) => [`  cell ${c.name}`, ...c.clusters.map((k) => `    ${k.name} (${k.state}): ${k.servers.join(', ')}`)]),
    `drain: poll every ${s.drain.pollIntervalSeconds}s, at most ${s.drain.maxWaitSeconds}s, done at <= ${s.drain.sessionThreshold} sessions per server, on timeout ${s.drain.onTimeout}`,
    `burn-in: ${s.burnInSeconds}s; groups: first ${s.strategy.firstGroupSize}, then ${s.strategy.groupSize}`,
    `approvals: phases ${s.approvals.phases.join(', ')}; timeout ${s.approvals.timeoutSeconds}s then ${s.approvals.onTimeout}${s.approvals.fourEyes ? '; four-eyes' : ''}`,
    `windows: ${s.windows ? `${s.windows.windows.map((w) => `${w.days.join('/')} ${w.start}-${w.end}`).join('; ')} ${s.windows.timeZone}` : 'none (any time)'}`,
    `smoke test: ${s.smokeTest.requests} request(s) to ${s.smokeTest.path} through the test virtual host, expecting ${s.smokeTest.expectVersion ?? s.toVersion}`,
    `on failure: ${s.rollback.onFailure} (a failure in the first group always rolls back)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A planner's refusal (capacity, a schedule that never opens) is invalid input: exit 2. */
function refuseOnPlanningError<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PlanningError) throw new CliError(`${file}: cannot plan: ${err.message}`, ExitCode.invalidInput);
    throw err;
  }
}

function planOrRefuse(file: string, request: RolloutRequest, estate: Estate) {
  return refuseOnPlanningError(file, () => planRollout(request.procedure ?? workflowTypes.multiCellRollout, request, estate));
}

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('plan')
    .description('validate a rollout request and print its plan; changes nothing')
    .argument('<request>', 'the RolloutRequest JSON file')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { request, estate } = await loadRequestFile(file);
      const summary = summarize(request, estate);
      const plan = planOrRefuse(file, request, estate);
      const { windows } = request;
      const now = new Date();
      refuseUnsafe(file, request, estate, plan, now);
      const window = windows ? refuseOnPlanningError(file, () => windowState(windows, now)) : undefined;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ summary, plan, ...(window ? { window } : {}) }, null, 2)}\n`);
        return;
      }
      const quiescing = quiescingNotes(plan, request, estate);
      process.stdout.write(`${renderSummary(summary, estate)}\n${renderPlanText(plan)}${quiescing.length > 0 ? `\n${quiescing.join('\n')}\n` : ''}${windows ? `\n${describeWindows(windows, now)}\n` : ''}`);
    });
}
