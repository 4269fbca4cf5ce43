/**
 * `turnout report ID [--md] [--load FILE]`: the post-rollout summary for a change ticket, from the
 * rollout's status (a closed workflow still answers its query) and its history (the drain readings).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { readJsonFile, JsonInputError } from '../../input/read-json';
import type { LoadReport } from '../../lab/load';
import { formatProblems, problemsOf } from '../../model/issues';
import { CliError, ExitCode } from '../exit-codes';
import type { Client } from '@temporalio/client';
import { historyFacts, mergeRunFacts, type HistoryFacts } from '../report/history-facts';
import { renderReportMarkdown, renderReportText } from '../report/render-report';
import { buildReport } from '../report/rollout-report';
import { readRolloutStatus } from '../rollout-status';
import { withClient } from '../temporal-client';
import { renderLoadReport } from './load';

const count = z.number().int().min(0);
const counts = z.record(z.string(), z.number());

/** The fields of a `turnout load --json` report that the summary shows. */
const loadReportSchema = z.looseObject({
  target: z.string(),
  durationSeconds: z.number(),
  requestsPerSecond: z.number(),
  requests: count,
  failed: count,
  failures: z.array(z.object({ reason: z.string(), count })),
  sessions: count,
  completedSessions: count,
  lostSessions: count,
  versionFlips: count,
  mixedEditionSeconds: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() }),
  versions: counts,
  servers: counts,
  newSessionsByServer: counts,
  newSessionsByVersion: counts,
  failedByServer: counts,
  lostSessionsByServer: counts,
});

/** Reads a `turnout load --json` report; a missing, broken or foreign file is invalid input naming JSON paths. */
export async function readLoadReport(file: string): Promise<LoadReport> {
  let input: unknown;
  try {
    input = await readJsonFile(file);
  } catch (err) {
    if (err instanceof JsonInputError) throw new CliError(`--load: ${err.message}`, ExitCode.invalidInput);
    throw err;
  }
  const parsed = loadReportSchema.safeParse(input);
  if (!parsed.success) throw new CliError(`--load: ${file} is not a \`turnout load --json\` report:\n${formatProblems(problemsOf(parsed.error))}`, ExitCode.invalidInput);
  return parsed.data as unknown as LoadReport;
}

/** Runs a rollout may have (continue-as-new) that the report reads back; far beyond any real one. */
const maxRuns = 1000;

/** The facts of every run of the rollout, the latest back to the first, by each run's `continuedExecutionRunId`. */
async function rolloutFacts(client: Client, id: string): Promise<HistoryFacts> {
  const runs: HistoryFacts[] = [];
  let runId: string | undefined;
  do {
    const facts = historyFacts(await client.workflow.getHandle(id, runId).fetchHistory());
    runs.unshift(facts);
    runId = facts.continuedFrom;
  } while (runId && runs.length < maxRuns);
  return mergeRunFacts(runs);
}

async function report(id: string, opts: { md?: boolean; load?: string }): Promise<void> {
  // Checked before connecting: a bad file is invalid input whether or not a server answers.
  const load = opts.load ? await readLoadReport(opts.load) : undefined;
  await withClient(async (client) => {
    const status = await readRolloutStatus(client, id);
    const facts = await rolloutFacts(client, id);
    const built = buildReport(status, facts, { ...(load ? { load } : {}), renderLoad: renderLoadReport });
    process.stdout.write(opts.md ? renderReportMarkdown(built) : renderReportText(built));
  });
}

/** Registers `turnout report`. */
export function register(program: Command): void {
  program
    .command('report')
    .description('a post-rollout summary: step timeline with durations, approvals, drain curves per server, rollback, and load figures')
    .argument('<id>')
    .option('--md', 'print Markdown, for a change ticket')
    .option('--load <file>', 'a `turnout load --json` report written during the rollout')
    .action(report);
}
