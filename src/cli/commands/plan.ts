/**
 * `turnout plan REQUEST.json`: validates the request and shows what would happen. Changes nothing.
 *
 * Until a procedure's planner lands, the plan is the validated summary: the target, the estate as
 * turnout understood it, and the policies with their defaults filled in.
 */
import type { Command } from 'commander';
import { allServers, workflowTypes, type Estate, type RolloutRequest } from '../../model';
import { loadRequestFile } from '../request-input';

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
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, estate));
    });
}
