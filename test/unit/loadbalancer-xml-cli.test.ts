import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

const fixtures = join(__dirname, '..', 'fixtures', 'loadbalancer-xml');
const fixturePath = (name: string): string => join(fixtures, name);
const fixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');
const sample = fixturePath('seed-sample.xml');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'turnout-lb-xml-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('turnout loadbalancer-xml disable|enable', () => {
  it('prints the file with one instance, every instance, or a web module disabled, byte for byte', async () => {
    expect(await runCli(['loadbalancer-xml', 'disable', sample, '--cluster', 'cluster1', '--instance', 'myinstance1'])).toEqual({ code: 0, stdout: fixture('golden/sample-disable-myinstance1.xml'), stderr: '' });
    expect((await runCli(['loadbalancer-xml', 'disable', sample, '--cluster', 'cluster1'])).stdout).toBe(fixture('golden/sample-disable-cluster1-instances.xml'));
    expect((await runCli(['loadbalancer-xml', 'disable', sample, '--cluster', 'cluster1', '--web-module', '/shopping'])).stdout).toBe(fixture('golden/sample-disable-shopping.xml'));
    expect((await runCli(['loadbalancer-xml', 'enable', fixturePath('golden/sample-disable-cluster1-instances.xml'), '--cluster', 'cluster1'])).stdout).toBe(fixture('seed-sample.xml'));
  });

  it('writes --out atomically and prints what changed; a second run writes nothing', async () => {
    const out = join(dir, 'loadbalancer.xml');
    writeFileSync(out, fixture('seed-sample.xml'));
    const run = await runCli(['loadbalancer-xml', 'disable', out, '--cluster', 'cluster1', '--instance', 'myinstance2', '--out', out]);
    expect(run).toEqual({ code: 0, stdout: `~ cluster cluster1\n  ~ instance myinstance2 enabled true -> false (starts quiescing)\nwrote ${out}\n`, stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe(fixture('seed-sample.xml').replace('name="myinstance2" enabled="true"', 'name="myinstance2" enabled="false"'));
    const again = await runCli(['loadbalancer-xml', 'disable', out, '--cluster', 'cluster1', '--instance', 'myinstance2', '--out', out]);
    expect(again).toEqual({ code: 0, stdout: `no changes\n${out} already holds this file; not written\n`, stderr: '' });
  });

  it('exits 2 naming what the file has when a name is unknown', async () => {
    expect(await runCli(['loadbalancer-xml', 'disable', sample, '--cluster', 'clusterX'])).toEqual({ code: 2, stdout: '', stderr: `${sample}: unknown cluster clusterX (the file has cluster1)\n` });
    expect(await runCli(['loadbalancer-xml', 'enable', sample, '--cluster', 'cluster1', '--instance', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `${sample}: unknown instance nope in cluster cluster1 (it has myinstance1, myinstance2)\n`,
    });
    const module = await runCli(['loadbalancer-xml', 'disable', sample, '--cluster', 'cluster1', '--web-module', '/cart']);
    expect(module.stderr).toBe(`${sample}: unknown web-module /cart in cluster cluster1 (it has /fortune, /shopping)\n`);
  });

  it('exits 2 on bad XML (the seed as printed, unquoted), a missing file, or both --instance and --web-module', async () => {
    const bad = join(dir, 'unquoted.xml');
    writeFileSync(bad, '<loadbalancer name="lb">\n<cluster name=mycluster1>\n</cluster>\n</loadbalancer>\n');
    expect(await runCli(['loadbalancer-xml', 'disable', bad, '--cluster', 'mycluster1'])).toEqual({ code: 2, stdout: '', stderr: `${bad}: line 2: <cluster>: the value of name is not quoted\n` });
    const missing = join(dir, 'nope.xml');
    expect(await runCli(['loadbalancer-xml', 'enable', missing, '--cluster', 'c'])).toEqual({ code: 2, stdout: '', stderr: `${missing}: no such file\n` });
    const both = await runCli(['loadbalancer-xml', 'disable', sample, '--cluster', 'cluster1', '--instance', 'myinstance1', '--web-module', '/fortune']);
    expect(both).toEqual({ code: 2, stdout: '', stderr: 'give --instance or --web-module, not both\n' });
    const noCluster = await runCli(['loadbalancer-xml', 'disable', sample]);
    expect(noCluster.code).toBe(2);
    expect(noCluster.stderr).toContain('--cluster');
  });

  it('exits 1 when --out cannot be written', async () => {
    const run = await runCli(['loadbalancer-xml', 'disable', sample, '--cluster', 'cluster1', '--out', join(dir, 'no-dir', 'lb.xml')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot write loadbalancer.xml ${join(dir, 'no-dir', 'lb.xml')}: directory ${join(dir, 'no-dir')} does not exist`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('turnout loadbalancer-xml diff', () => {
  it('prints the changes, or JSON, or that nothing changed', async () => {
    const run = await runCli(['loadbalancer-xml', 'diff', sample, fixturePath('golden/sample-timeout-myinstance2.xml')]);
    expect(run).toEqual({ code: 0, stdout: '~ cluster cluster1\n  ~ instance myinstance2 disable-timeout-in-minutes 31 -> 5\n', stderr: '' });
    const json = await runCli(['loadbalancer-xml', 'diff', sample, fixturePath('golden/sample-remove-myinstance1.xml'), '--json']);
    expect((JSON.parse(json.stdout) as { kind: string }[]).map((c) => c.kind)).toEqual(['instance-removed']);
    expect(await runCli(['loadbalancer-xml', 'diff', sample, fixturePath('seed-sample-as-printed.xml')])).toEqual({ code: 0, stdout: 'no changes\n', stderr: '' });
  });

  it('exits 2 naming the file that is bad', async () => {
    const bad = join(dir, 'diff-bad.xml');
    writeFileSync(bad, '<loadbalancer>\n<cluster name="x"');
    expect(await runCli(['loadbalancer-xml', 'diff', sample, bad])).toEqual({ code: 2, stdout: '', stderr: `${bad}: line 2: unterminated start tag <cluster>\n` });
  });
});
