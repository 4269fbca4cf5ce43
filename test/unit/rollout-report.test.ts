/**
 * `turnout report`'s renderer against recorded histories: a succeeded single-cell rollout (with a
 * load report) and a rolled-back one, checked against the expected Markdown in
 * test/fixtures/reports (TURNOUT_UPDATE_REPORT_FIXTURES=1 writes them again, to be read and committed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { renderLoadReport } from '../../src/cli/commands/load';
import { readLoadReport } from '../../src/cli/commands/report';
import { historyFacts, mergeRunFacts } from '../../src/cli/report/history-facts';
import { renderReportMarkdown, renderReportText } from '../../src/cli/report/render-report';
import { buildReport, formatSeconds } from '../../src/cli/report/rollout-report';
import type { LoadReport } from '../../src/lab/load';

const fixtures = path.resolve(__dirname, '..', 'fixtures');

function recorded(name: string) {
  const json = JSON.parse(readFileSync(path.join(fixtures, 'histories', `${name}.json`), 'utf8')) as Record<string, unknown>;
  const facts = historyFacts(temporal.api.history.v1.History.fromObject(json));
  if (!facts.result) throw new Error(`${name}: no status in its result`);
  return { facts, status: facts.result };
}

function expectMarkdown(name: string, markdown: string): void {
  const file = path.join(fixtures, 'reports', `${name}.md`);
  if (process.env.TURNOUT_UPDATE_REPORT_FIXTURES) writeFileSync(file, markdown);
  expect(markdown).toBe(readFileSync(file, 'utf8'));
}

const load = JSON.parse(readFileSync(path.join(fixtures, 'reports', 'load-report.json'), 'utf8')) as LoadReport;

describe('turnout report', () => {
  it('reads the drain readings and the close out of a history', () => {
    const { facts } = recorded('single-cell-rolled-back');
    expect(facts.closed).toBe('completed');
    expect(facts.drainReadings.map((r) => [r.stepId, r.servers.map((s) => `${s.name} ${s.sessions}`).join(', ')])).toEqual([
      ['rollback.drain', 'ServerY1 5'],
      ['rollback.drain', 'ServerY1 3'],
      ['rollback.drain', 'ServerY1 1'],
    ]);
  });

  it('follows a rollout across continue-as-new: the first run\'s start, every run\'s readings, the last run\'s close', () => {
    const continued = recorded('multi-cell-continued-rolled-back');
    expect(continued.facts.continuedFrom).toBe('be4dd622-f55a-432a-97e6-3f848c744432');
    const earlier = recorded('multi-cell-rollback-draining').facts;
    const merged = mergeRunFacts([{ ...earlier, closed: 'continued' }, continued.facts]);
    expect(merged).toMatchObject({ runs: 2, startedAt: earlier.startedAt, closed: 'completed', closedAt: continued.facts.closedAt, result: continued.facts.result });
    expect(merged.continuedFrom).toBeUndefined();
    expect(merged.drainReadings).toEqual([...earlier.drainReadings, ...continued.facts.drainReadings]);
    expect(renderReportText(buildReport(continued.status, merged))).toContain('  history: 2 runs (continued as new at step boundaries)\n');
  });

  it('renders a succeeded rollout with its load figures as the expected Markdown', () => {
    const { facts, status } = recorded('single-cell-succeeded');
    expectMarkdown('single-cell-succeeded', renderReportMarkdown(buildReport(status, facts, { load, renderLoad: renderLoadReport })));
  });

  it('renders a rolled-back rollout as the expected Markdown', () => {
    const { facts, status } = recorded('multi-cell-rollback-draining');
    expectMarkdown('multi-cell-rollback-draining', renderReportMarkdown(buildReport(status, facts)));
  });

  it('prints the same content for the terminal', () => {
    const { facts, status } = recorded('single-cell-rolled-back');
    const text = renderReportText(buildReport(status, facts));
    expect(text).toContain('outcome: rolled-back (error rate on ServerY1)');
    expect(text).toMatch(/^ {2}ServerY1 {5}█▅▂ {2}5 -> 1$/m);
    expect(text).toContain('asked by carol at 04:48:13: error rate on ServerY1');
    expect(text).toContain('routing restored at 04:48:17, 4.3 s after the rollback began');
    expect(text).toMatch(/^ {2}9 {3}✗ failed {3}04:48:13 {2}0\.1 s {2}Approval to start remaining$/m);
    expect(text).toMatch(/^ {2}04:48:04 {2}turnout \(policy\) {2}transition {2}transition needs no approval by policy$/m);
    expect(text).not.toContain('|');
  });

  it('writes durations short', () => {
    expect([0.02, 4.25, 42, 65, 3725].map(formatSeconds)).toEqual(['0.0 s', '4.3 s', '42 s', '1 min 05 s', '1 h 02 min']);
  });

  it('refuses a --load file that is not a turnout load report, naming the fields (exit 2)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'turnout-report-'));
    try {
      const file = path.join(dir, 'load.json');
      writeFileSync(file, JSON.stringify({ ...load, requests: 'many', latencyMs: { p50: 1 } }));
      await expect(readLoadReport(file)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--load: .* is not a `turnout load --json` report:\n\$\.requests: .*\n\$\.latencyMs\.p95: /) });
      await expect(readLoadReport(path.join(dir, 'missing.json'))).rejects.toMatchObject({ exitCode: 2, message: `--load: ${path.join(dir, 'missing.json')}: no such file` });
      await expect(readLoadReport(path.join(fixtures, 'reports', 'load-report.json'))).resolves.toMatchObject({ requests: 6000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
