import { readFileSync } from 'node:fs';
import path from 'node:path';
import { applyEdits, editBetween, FileEditConflict, renderFileDiff } from '../../src/drivers/config-file/foreign-edit';
import { finalPluginCfg, transitionPluginCfg } from '../../src/drivers/plugin-cfg';
import { pluginCfgAutomationProblems } from '../../src/drivers/app-server/plugin-cfg-automation';
import { renderCurrentDetails } from '../../src/planning/details';
import { renderStatus } from '../../src/cli/render-status';
import { estateSchema, type RolloutStatus } from '../../src/model';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'plugin-cfg', name), 'utf8');
const seedStart = fixture('seed-start.xml');
const pair = { active: 'ClusterX', incoming: 'ClusterY' } as const;
const trace = '  <Log LogLevel="Trace" Name="/tmp/http_plugin.log"/>';

describe('editBetween and applyEdits: the one changed block, kept on top of later files', () => {
  it('finds no edit between equal files', () => {
    expect(editBetween(seedStart, seedStart)).toBeUndefined();
  });

  it('keeps an inserted line, with two lines of context each side', () => {
    const found = seedStart.replace(/(<Config [^>]*>\n)/, `$1${trace}\n`);
    const edit = editBetween(seedStart, found);
    expect(edit?.removed).toEqual([]);
    expect(edit?.added).toEqual([trace]);
    expect(edit?.above).toHaveLength(2);
    expect(edit?.below).toHaveLength(2);
    expect(applyEdits(seedStart, [edit!])).toBe(found);
  });

  it('carries an operator\'s change from a transition file to the final file, routing untouched', () => {
    const transition = transitionPluginCfg(seedStart, { ...pair, servers: ['ServerY1'], drain: ['ServerX1'] });
    const found = transition.replace(/(<Config [^>]*>\n)/, `$1${trace}\n`);
    const edit = editBetween(transition, found)!;
    const final = finalPluginCfg(seedStart, pair);
    const kept = applyEdits(final, [edit]);
    expect(kept).toContain(trace);
    expect(kept.replace(`${trace}\n`, '')).toBe(final);
  });

  it('is idempotent: an edit already in the file leaves it as it is', () => {
    const found = seedStart.replace('RefreshInterval="60"', 'RefreshInterval="30"');
    const edit = editBetween(seedStart, found)!;
    expect(edit.removed).toHaveLength(1);
    expect(applyEdits(found, [edit])).toBe(found);
    expect(applyEdits(applyEdits(seedStart, [edit]), [edit])).toBe(found);
  });

  it('keeps a removal and a change at the very start or end of the file', () => {
    const lines = seedStart.split('\n');
    const withoutFirst = lines.slice(1).join('\n');
    expect(applyEdits(seedStart, [editBetween(seedStart, withoutFirst)!])).toBe(withoutFirst);
    const tail = `${seedStart}<!-- edited by hand -->\n`;
    expect(applyEdits(seedStart, [editBetween(seedStart, tail)!])).toBe(tail);
  });

  it('refuses an edit whose lines turnout\'s next file changed (a conflict), naming it', () => {
    const line = seedStart.split('\n').find((l) => l.includes('Name="ServerX1"') && l.includes('LoadBalanceWeight'))!;
    const found = seedStart.replace(line, line.replace(/LoadBalanceWeight="\d+"/, 'LoadBalanceWeight="5"'));
    const edit = editBetween(seedStart, found)!;
    expect(edit.removed).toEqual([line]);
    // The next file drains ServerX1: the line the operator changed is no longer turnout's.
    const drained = transitionPluginCfg(seedStart, { ...pair, servers: ['ServerY1'], drain: ['ServerX1'] });
    expect(() => applyEdits(drained, [edit])).toThrow(FileEditConflict);
    expect(() => applyEdits(drained, [edit])).toThrow(/^accepted change 1 \(at "<Server CloneID=.*"\) no longer fits the file turnout writes now$/);
  });

  it('refuses an edit whose block sits in more than one place', () => {
    const edit = { above: ['  <x/>', '  <x/>'], removed: ['  <x/>'], added: ['  <y/>'], below: ['  <x/>', '  <x/>'] };
    const longer = ['<a>', ...Array<string>(8).fill('  <x/>'), '</a>'].join('\n');
    expect(() => applyEdits(longer, [edit])).toThrow(/more than one place/);
    expect(applyEdits(['<a>', '  <x/>', '  <x/>', '  <x/>', '  <x/>', '  <x/>', '</a>'].join('\n'), [edit])).toContain('<y/>');
  });
});

describe('renderFileDiff: short, readable, bounded', () => {
  it('shows the changed block with its context and line number', () => {
    const found = seedStart.replace(/(<Config [^>]*>\n)/, `$1${trace}\n`);
    const diff = renderFileDiff(seedStart, found);
    const line = seedStart.split('\n').findIndex((l) => l.startsWith('<Config')) + 1;
    expect(diff.split('\n')[0]).toBe(`@@ line ${line - 1} @@`);
    expect(diff).toContain(`+${trace}`);
    expect(diff.split('\n').filter((l) => l.startsWith('-'))).toEqual([]);
  });

  it('says when the file is missing or the same', () => {
    expect(renderFileDiff(seedStart, null)).toBe('the file is missing');
    expect(renderFileDiff(seedStart, seedStart)).toBe('no difference');
  });

  it('never carries a large file whole: a regenerated 10,000-server file gives a screenful', () => {
    const servers = (w: number) => Array.from({ length: 10_000 }, (_, i) => `    <Server CloneID="c${i}" LoadBalanceWeight="${w}" Name="S${i}"><Transport Hostname="h${i}" Port="9080" Protocol="http"/></Server>`);
    const a = ['<Config>', '  <ServerCluster Name="C">', ...servers(2), '  </ServerCluster>', '</Config>'].join('\n');
    const b = ['<Config>', '  <ServerCluster Name="C">', ...servers(0), '  </ServerCluster>', '</Config>'].join('\n');
    const started = Date.now();
    const diff = renderFileDiff(a, b);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(diff.length).toBeLessThanOrEqual(3200);
    expect(diff.split('\n').length).toBeLessThanOrEqual(31);
    expect(diff).toMatch(/… \d+ more line\(s\) not shown \(10000 removed, 10000 added in all\)$/);
    expect(Math.max(...diff.split('\n').map((l) => l.length))).toBeLessThanOrEqual(160);
  });
});

describe('foreign writes in Current details', () => {
  it('shows where, the hashes and the diff, bounded by what the status carries', () => {
    const status: RolloutStatus = {
      rolloutId: 'r1', workflowType: 'singleCellRollout', app: 'userHitCount', fromVersion: '1.0', toVersion: '1.1', target: 't', state: 'awaiting-approval', currentStep: 'remaining.approval', steps: [], approvals: [], events: [],
      pendingApproval: { phase: 'remaining', gate: 'D.group-2.foreign-write', kind: 'foreign-write', question: 'plugin-cfg.xml on webX1 is not the file turnout wrote', since: '2026-12-02T06:00:00.000Z' },
      foreignWrite: { noticedAt: '2026-12-02T06:00:00.000Z', files: [{ file: 'plugin-cfg.xml', hosts: ['webX1'], expectedSha256: 'a'.repeat(64), foundSha256: 'b'.repeat(64), diff: `@@ line 2 @@\n+${trace}`, routing: 'ServerX1 in ClusterX: weight 0 -> 2' }] },
    };
    const details = renderCurrentDetails(status);
    expect(details).toContain('Someone else rewrote a file turnout manages');
    expect(details).toContain('plugin-cfg.xml on webX1: turnout wrote sha256 `aaaaaaaaaaaa`, found `bbbbbbbbbbbb`');
    expect(details).toContain(`~~~diff\n@@ line 2 @@\n+${trace}\n~~~`);
    expect(details).toContain('turnout approve r1 --by <you> --phase D.group-2.foreign-write');
    const text = renderStatus(status);
    expect(text).toContain('foreign write (noticed 2026-12-02T06:00:00.000Z): plugin-cfg.xml on webX1 is not the file turnout wrote (sha256 aaaaaaaaaaaa, found bbbbbbbbbbbb)');
    expect(text).toContain(`  +${trace}`);
    expect(text).toContain('turnout approve r1 --by <you> --phase D.group-2.foreign-write');
  });
});

describe('pluginCfgAutomationProblems: generation or propagation on, or unknown, is refused', () => {
  it('passes a cell whose web servers are all MANUAL, or that has none', () => {
    expect(pluginCfgAutomationProblems({ cell: 'Y', webServers: [{ node: 'web1-node', name: 'webY1', generation: 'MANUAL', propagation: 'MANUAL' }] })).toEqual([]);
    expect(pluginCfgAutomationProblems({ cell: 'Y', webServers: [] })).toEqual([]);
  });

  it('names each web server that would rewrite the file, and says where to turn it off', () => {
    const problems = pluginCfgAutomationProblems({
      cell: 'Y',
      webServers: [
        { node: 'web1-node', name: 'webY1', generation: 'AUTOMATIC', propagation: 'MANUAL' },
        { node: 'web2-node', name: 'webY2', generation: null, propagation: null },
        { node: 'web3-node', name: 'webY3', generation: 'MANUAL', propagation: 'MANUAL' },
      ],
    });
    expect(problems).toEqual([
      'cell Y: web server web1-node/webY1: PluginGeneration is AUTOMATIC, so WebSphere may rewrite plugin-cfg.xml under the rollout',
      'cell Y: web server web2-node/webY2: PluginGeneration is unknown, PluginPropagation is unknown, so WebSphere may rewrite plugin-cfg.xml under the rollout',
      expect.stringContaining('Plug-in properties: clear "Automatically generate the plug-in configuration file" and "Automatically propagate plug-in configuration file"'),
    ]);
  });
});

describe('the estate declares whether a cell regenerates plugin-cfg.xml on its own', () => {
  const cell = (extra: Record<string, unknown>) => ({ name: 'X', clusters: [{ name: 'ClusterX', state: 'active', servers: [{ name: 'S1', host: 'h', port: 9080, cloneId: 'c1' }] }], ...extra });
  const estate = (extra: Record<string, unknown>) => ({ name: 'e', cells: [cell(extra)], virtualHosts: { production: { name: 'prod_vhost', aliases: [{ host: '*', port: 80 }] }, test: { name: 'test_vhost', aliases: [{ host: '*', port: 81 }] } }, appServer: { driver: 'lab', adminUrl: 'http://127.0.0.1:9060' } });

  it('takes off or on, or nothing (then a wsadmin cell is read before the rollout starts)', () => {
    expect(estateSchema.parse(estate({ pluginCfgAutomation: 'off' })).cells[0]?.pluginCfgAutomation).toBe('off');
    expect(estateSchema.parse(estate({ pluginCfgAutomation: 'on' })).cells[0]?.pluginCfgAutomation).toBe('on');
    expect(estateSchema.parse(estate({})).cells[0]?.pluginCfgAutomation).toBeUndefined();
  });

  it('refuses anything else, naming the field', () => {
    const checked = estateSchema.safeParse(estate({ pluginCfgAutomation: 'maybe' }));
    expect(checked.success).toBe(false);
    expect(checked.error?.issues.map((i) => i.path.join('.'))).toEqual(['cells.0.pluginCfgAutomation']);
  });
});
