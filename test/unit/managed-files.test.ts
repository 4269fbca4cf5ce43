/**
 * The foreign-write activities on real files in a temp folder (local stores): loadbalancer.xml on
 * the lab-lb estate's two load balancers, and plugin-cfg.xml on the single-cell estate's two HTTP
 * servers. Each compares with the hash of what turnout wrote, reports a bounded diff per group of
 * hosts, and reads an approved change back only if it is still what the person saw.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createManagedFileActivities } from '../../activities/managed-files';
import { editedFile } from '../../activities/lb-rollout';
import { fileForStage } from '../../activities/cluster-rollout';
import type { ManagedFiles } from '../../activities/rollout-types';
import { driversFor } from '../../src/drivers';
import { encodePluginCfg } from '../../src/drivers/plugin-cfg';
import type { Estate, LbEdit } from '../../src/model';
import { relocateLabEstate } from '../../src/lab/relocate-estate';
import { renderCellPluginCfg } from '../../src/lab/plugin-cfg-initial';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'turnout-managed-files-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const activities = () => createManagedFileActivities((e: Estate) => driversFor(e, { baseDir: dir }));
const write = (file: string, bytes: Buffer | string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
};

describe('loadbalancer.xml', () => {
  const start = readFileSync(path.join(__dirname, '..', 'fixtures', 'loadbalancer-xml', 'lab-lb.xml'));
  const disableA1: LbEdit[] = [{ op: 'instance', cluster: 'ClusterA', instance: 'ServerA1', enabled: false }];
  const expected: ManagedFiles = { loadbalancerXml: { start: start.toString('base64'), edits: disableA1 } };

  function lab(): { estate: Estate; files: Record<string, string> } {
    const estate = relocateLabEstate(0, dir, 'lab-lb.json');
    const files = Object.fromEntries((estate.loadBalancers?.balancers ?? []).map((b) => [b.name, b.file.path]));
    for (const file of Object.values(files)) write(file, editedFile(expected.loadbalancerXml!.start, disableA1));
    return { estate, files };
  }

  it('finds nothing while every load balancer holds what turnout wrote', async () => {
    const { estate } = lab();
    await expect(activities().checkManagedFiles({ estate, expected })).resolves.toEqual({ foreign: [] });
  });

  it('reports a rewritten file with its hosts, hashes and diff; an approval keeps the change on later writes', async () => {
    const { estate, files } = lab();
    const mine = readFileSync(files.lb2!, 'utf8');
    const theirs = mine.replace('interval-in-seconds="1" time-out-in-seconds="1"/>\n  </cluster>\n  <cluster name="ClusterB">', 'interval-in-seconds="5" time-out-in-seconds="1"/>\n  </cluster>\n  <cluster name="ClusterB">');
    expect(theirs).not.toBe(mine);
    write(files.lb2!, theirs);
    const { foreign } = await activities().checkManagedFiles({ estate, expected });
    expect(foreign).toEqual([expect.objectContaining({ file: 'loadbalancer.xml', hosts: ['lb2'], foundSha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(foreign[0]?.diff).toContain('+    <health-checker url="/" interval-in-seconds="5" time-out-in-seconds="1"/>');
    expect(foreign[0]?.diff).toContain('-    <health-checker url="/" interval-in-seconds="1" time-out-in-seconds="1"/>');

    const kept = await activities().adoptForeignFiles({ estate, expected, seen: foreign });
    expect(kept.changed).toBeUndefined();
    expect(kept.edit?.added).toEqual(['    <health-checker url="/" interval-in-seconds="5" time-out-in-seconds="1"/>']);
    // The next write (ServerA1 back, ClusterB quiesced) keeps the operator's health checker.
    const next = editedFile(expected.loadbalancerXml!.start, [{ op: 'clusterInstances', cluster: 'ClusterB', enabled: false }], [kept.edit!]).toString('utf8');
    expect(next).toContain('interval-in-seconds="5"');
    expect(next).toContain('<instance name="ServerA1" enabled="true"');
    // With the change accepted, lb2 holds what turnout expects; lb1 gets it at the write that follows the approval.
    const after = await activities().checkManagedFiles({ estate, expected: { loadbalancerXml: { ...expected.loadbalancerXml!, accepted: [kept.edit!] } } });
    expect(after.foreign.map((f) => f.hosts)).toEqual([['lb1']]);
  });

  it('asks again when the file changed after the diff was shown', async () => {
    const { estate, files } = lab();
    write(files.lb1!, readFileSync(files.lb1!, 'utf8').replace('<loadbalancer name="lab-lb">', '<loadbalancer name="lab-lb-1">'));
    const { foreign } = await activities().checkManagedFiles({ estate, expected });
    write(files.lb1!, readFileSync(files.lb1!, 'utf8').replace('lab-lb-1', 'lab-lb-2'));
    const kept = await activities().adoptForeignFiles({ estate, expected, seen: foreign });
    expect(kept).toEqual({ changed: expect.stringContaining('the files changed again after the diff was shown') });
  });
});

describe('plugin-cfg.xml', () => {
  function lab(): { estate: Estate; expected: ManagedFiles; files: string[] } {
    const estate = relocateLabEstate(0, dir, 'lab-single-cell.json');
    const generated = renderCellPluginCfg(estate, estate.cells[0]!, 2);
    const pluginCfg = { generated, stage: 'transition' as const, active: 'ClusterX', incoming: 'ClusterY', moved: ['ServerY1'], drained: ['ServerX1'] };
    const files = estate.cells[0]!.httpServers.map((h) => h.pluginCfg.path);
    for (const file of files) write(file, encodePluginCfg(fileForStage({ estate, ...pluginCfg })));
    return { estate, expected: { pluginCfg }, files };
  }

  it('groups hosts by the bytes found, says what is missing, and names the routing change', async () => {
    const { estate, expected, files } = lab();
    const mine = readFileSync(files[0]!, 'latin1');
    write(files[0]!, Buffer.from(mine.replace(/(Name="ServerX1"[^>]*|LoadBalanceWeight=)"0"( Name="ServerX1")/, '$1"2"$2'), 'latin1'));
    rmSync(files[1]!);
    const { foreign } = await activities().checkManagedFiles({ estate, expected });
    expect(foreign.map((f) => [f.hosts, f.foundSha256 === null])).toEqual([[['webX1'], false], [['webX2'], true]]);
    expect(foreign[0]?.routing).toContain('ServerX1');
    expect(foreign[1]?.diff).toBe('the file is missing');
    // A missing file leaves nothing to keep: approving writes turnout's file back.
    rmSync(files[0]!);
    write(files[0]!, Buffer.from(mine, 'latin1'));
    const { foreign: onlyMissing } = await activities().checkManagedFiles({ estate, expected });
    await expect(activities().adoptForeignFiles({ estate, expected, seen: onlyMissing })).resolves.toEqual({});
  });

  it('keeps an approved change under turnout\'s routing: a weight the transition sets to 0 stays 0', async () => {
    const { estate, expected, files } = lab();
    const mine = readFileSync(files[0]!, 'latin1');
    const line = mine.split('\n').find((l) => l.includes('Name="ServerX1"') && l.includes('LoadBalanceWeight'))!;
    const theirs = mine.replace(line, line.replace('LoadBalanceWeight="0"', 'LoadBalanceWeight="3"')).replace(/(<Config [^>]*>\n)/, '$1  <Log LogLevel="Trace" Name="/tmp/http_plugin.log"/>\n');
    for (const f of files) write(f, Buffer.from(theirs, 'latin1'));
    const { foreign } = await activities().checkManagedFiles({ estate, expected });
    expect(foreign.map((f) => f.hosts)).toEqual([['webX1', 'webX2']]);
    expect(foreign[0]?.routing).toContain('ServerX1');
    const kept = await activities().adoptForeignFiles({ estate, expected, seen: foreign });
    expect(kept.edit).toBeDefined();
    const written = fileForStage({ estate, ...expected.pluginCfg!, accepted: [kept.edit!] });
    expect(written).toContain('<Log LogLevel="Trace"');
    expect(written).toBe(mine.replace(/(<Config [^>]*>\n)/, '$1  <Log LogLevel="Trace" Name="/tmp/http_plugin.log"/>\n'));
  });

  it('refuses to keep a change turnout\'s transition cannot be applied to (a conflict), with why', async () => {
    const { estate, expected, files } = lab();
    const mine = readFileSync(files[0]!, 'latin1');
    // Someone removed ServerX1, which the transition drains.
    const theirs = mine.replace(/ *<Server [^>]*Name="ServerX1"[^>]*>\n[^\n]*\n *<\/Server>\n/, '');
    expect(theirs).not.toBe(mine);
    for (const f of files) write(f, Buffer.from(theirs, 'latin1'));
    const { foreign } = await activities().checkManagedFiles({ estate, expected });
    await expect(activities().adoptForeignFiles({ estate, expected, seen: foreign })).resolves.toEqual({ conflict: expect.stringContaining('ServerX1') });
  });
});
