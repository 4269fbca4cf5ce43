import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../support/cli';
import { tempDir } from '../support/temp-dir';

const root = path.resolve(__dirname, '..', '..');
const estates = path.join(root, 'estates');
const tmp = tempDir('cli');
function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
}
const good = { app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', artifact: 'lab:1.1', estate: 'lab-multi-cell' };

describe('turnout plan', () => {
  it('prints the validated summary of a good request', async () => {
    const run = await runCli(['plan', file('good.json', JSON.stringify(good))], { TURNOUT_ESTATES: estates });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('multiCellRollout: userHitCount 1.0 -> 1.1');
    expect(run.stdout).toContain('ClusterY (active): ServerY1, ServerY2, ServerY3');
    expect(run.stdout).toMatch(/^ +1\. Route new sessions away from cell X/m);
    expect(run.stdout).toMatch(/^ +9\. Approval to start cell-Y {2}\[manual\]/m);
    expect(run.stdout).toMatch(/^rollback during cell-Y \(at its furthest point\):\n +1\. Restore routing: no cell runs 1\.0 yet, so X, Y keep taking new sessions on 1\.1$/m);
  });

  it('prints JSON with --json', async () => {
    const run = await runCli(['plan', '--json', path.join(root, 'examples', 'multi-cell.json')], { TURNOUT_ESTATES: estates });
    expect(run.code).toBe(0);
    const { summary, plan } = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ workflowType: 'multiCellRollout', app: 'userHitCount', estate: { name: 'lab-multi-cell' } });
    expect(plan.steps[0]).toMatchObject({ id: 'X.stop-new-sessions', kind: 'routeCell' });
  });

  it('exits 2 on broken JSON, naming line and column', async () => {
    const broken = file('broken.json', '{\n  "app": "userHitCount",\n  "fromVersion": ,\n}\n');
    const run = await runCli(['plan', broken]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`${broken}:3:18: invalid JSON (value expected)\n`);
  });

  it('exits 2 naming every bad field by JSON path, without a stack trace', async () => {
    const bad = file('bad.json', JSON.stringify({ ...good, toVersion: undefined, drain: { onTimeout: 'shrug' }, burnInSeconds: -5 }));
    const run = await runCli(['plan', bad], { TURNOUT_ESTATES: estates });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('$.toVersion:');
    expect(run.stderr).toContain('$.drain.onTimeout:');
    expect(run.stderr).toContain('$.burnInSeconds:');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when the named estate does not exist, pointing at $.estate', async () => {
    const run = await runCli(['plan', file('nowhere.json', JSON.stringify({ ...good, estate: 'atlantis' }))], { TURNOUT_ESTATES: estates });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\$\.estate: estate "atlantis": .*atlantis\.json: no such file/);
  });

  it('exits 2 when the named estate is invalid, with paths inside the estate', async () => {
    const dir = mkdtempSync(path.join(tmp, 'estates-'));
    const estate = JSON.parse(readFileSync(path.join(estates, 'lab.json'), 'utf8'));
    estate.cells[0].clusters[0].servers[0].port = 0;
    writeFileSync(path.join(dir, 'broken-site.json'), JSON.stringify(estate));
    const run = await runCli(['plan', file('site.json', JSON.stringify({ ...good, estate: 'broken-site' }))], { TURNOUT_ESTATES: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('$.estate.cells[0].clusters[0].servers[0].port:');
  });

  it('exits 2 for a missing request file', async () => {
    const run = await runCli(['plan', path.join(tmp, 'missing.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing\.json: no such file/);
  });

  it('exits 2 when the planner refuses, giving the numbers', async () => {
    const dir = mkdtempSync(path.join(tmp, 'estates-'));
    const estate = JSON.parse(readFileSync(path.join(estates, 'lab-multi-cell.json'), 'utf8'));
    estate.peakLoadRps = 1000;
    writeFileSync(path.join(dir, 'busy.json'), JSON.stringify(estate));
    const run = await runCli(['plan', file('busy-req.json', JSON.stringify({ ...good, estate: 'busy' }))], { TURNOUT_ESTATES: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot plan: capacity check failed: the site's peak load is 1000 req\/s, but with cell X out, the other cells carry 300 req\/s/);
  });
});

describe('turnout schema', () => {
  it('prints a JSON Schema of the request with the estate under $defs', async () => {
    const run = await runCli(['schema']);
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(expect.arrayContaining(['app', 'fromVersion', 'toVersion', 'artifact', 'estate']));
    expect(schema.properties.drain.properties.onTimeout.enum).toEqual(['fail', 'proceed', 'approve']);
    expect(schema.$defs.Estate.properties.cells.type).toBe('array');
  });

  it('prints only the estate schema with --estate', async () => {
    const run = await runCli(['schema', '--estate']);
    expect(JSON.parse(run.stdout).title).toBe('turnout Estate');
  });
});

describe('usage errors', () => {
  it('exits 2 for an unknown command', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });
});
