import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

const fixtures = join(__dirname, '..', 'fixtures', 'plugin-cfg');
const fixturePath = (name: string): string => join(fixtures, name);
const fixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');
const xy = ['--active', 'ClusterX', '--incoming', 'ClusterY'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'turnout-plugin-cfg-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('turnout plugin-cfg transition', () => {
  it('prints the Listing 3 file, byte for byte', async () => {
    const run = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('seed-start.xml'), ...xy]);
    expect(run).toEqual({ code: 0, stdout: fixture('seed-transition.xml'), stderr: '' });
  });

  it('prints a group and the final file', async () => {
    const group2 = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('seed-start.xml'), ...xy, '--servers', 'ServerY1, ServerY2', '--drain', 'ServerX1,ServerX2']);
    expect(group2.stdout).toBe(fixture('seed-group2.xml'));
    const final = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('seed-start.xml'), ...xy, '--final']);
    expect(final.stdout).toBe(fixture('seed-final.xml'));
  });

  it('merges another cell file first with --merge', async () => {
    const run = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('cell-x.xml'), '--merge', fixturePath('cell-y.xml'), ...xy, '--servers', 'ServerY1', '--drain', 'ServerX1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('<Server CloneID="v7oe1ii4" LoadBalanceWeight="0" Name="ServerX1">');
    expect(run.stdout).toContain('<Server CloneID="v7oe3c36" LoadBalanceWeight="2" Name="ServerY2">');
  });

  it('exits 2 naming a missing file', async () => {
    const missing = join(dir, 'nope.xml');
    const run = await runCli(['plugin-cfg', 'transition', '--from', missing, ...xy]);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${missing}: no such file\n` });
  });

  it('exits 2 with the line of bad XML', async () => {
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<Config>\n  <ServerCluster Name="ClusterX">\n  </Server>\n</Config>\n');
    const run = await runCli(['plugin-cfg', 'transition', '--from', bad, ...xy]);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${bad}: line 3: </Server> does not close <ServerCluster> (opened at line 2)\n` });
    const merged = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('cell-x.xml'), '--merge', bad, ...xy]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toBe(`${bad}: line 3: </Server> does not close <ServerCluster> (opened at line 2)\n`);
  });

  it('exits 2 naming an unknown server or cluster', async () => {
    const server = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('seed-start.xml'), ...xy, '--servers', 'ServerY1,ServerY7']);
    expect(server.code).toBe(2);
    expect(server.stdout).toBe('');
    expect(server.stderr).toContain('unknown server(s) ServerY7');
    noStack(server.stderr);
    const cluster = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('seed-start.xml'), '--active', 'ClusterX', '--incoming', 'ClusterQ']);
    expect(cluster.code).toBe(2);
    expect(cluster.stderr).toContain('unknown ServerCluster ClusterQ');
  });

  it('exits 2 on contradictory or empty options', async () => {
    const final = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('seed-start.xml'), ...xy, '--final', '--drain', 'ServerX1']);
    expect(final.code).toBe(2);
    expect(final.stderr).toContain('--final takes no --servers or --drain');
    const empty = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('seed-start.xml'), ...xy, '--servers', ' , ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--servers: no server names');
    const missing = await runCli(['plugin-cfg', 'transition', '--from', fixturePath('seed-start.xml'), '--active', 'ClusterX']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--incoming');
  });
});

describe('turnout plugin-cfg diff', () => {
  it('names the moved servers and the weight changes 2 -> 0', async () => {
    const run = await runCli(['plugin-cfg', 'diff', fixturePath('seed-start.xml'), fixturePath('seed-transition.xml')]);
    expect(run.code).toBe(0);
    for (const n of ['ServerY1', 'ServerY2', 'ServerY3']) expect(run.stdout).toMatch(new RegExp(`\\+ Server ${n} .*moved from ClusterY`));
    for (const n of ['ServerX1', 'ServerX2', 'ServerX3']) expect(run.stdout).toContain(`~ Server ${n} LoadBalanceWeight 2 -> 0`);
    expect(run.stdout).toContain('- ServerCluster ClusterY');
  });

  it('prints JSON with --json, and says when nothing changes', async () => {
    const json = await runCli(['plugin-cfg', 'diff', fixturePath('seed-start.xml'), fixturePath('seed-group1.xml'), '--json']);
    expect(json.code).toBe(0);
    const changes = JSON.parse(json.stdout) as { kind: string }[];
    expect(changes.map((c) => c.kind)).toEqual(['weight-changed', 'server-added', 'primary-server-added', 'server-removed', 'primary-server-removed']);
    const same = await runCli(['plugin-cfg', 'diff', fixturePath('seed-start.xml'), fixturePath('seed-start.xml')]);
    expect(same).toEqual({ code: 0, stdout: 'no routing changes\n', stderr: '' });
  });

  it('exits 2 naming the file that is bad', async () => {
    const bad = join(dir, 'diff-bad.xml');
    writeFileSync(bad, '<Config>\n<Route ServerCluster="x"');
    const run = await runCli(['plugin-cfg', 'diff', fixturePath('seed-start.xml'), bad]);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${bad}: line 2: unterminated start tag <Route>\n` });
  });
});
