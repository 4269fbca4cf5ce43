import { join } from 'node:path';
import { dormantSprayerServers, findHaproxy, renderAffinityMap, renderHaproxyCfg } from '../../src/lab/haproxy';
import { initialAffinity, sprayerServersOf, testSprayerServersOf } from '../../src/drivers/sprayer/sprayer';
import { adminStateOf, parseMap, parseServersState, splitAnswers } from '../../src/drivers/sprayer/haproxy-runtime-api';
import { labEstateForTest } from '../support/lab-estate';

const dir = join('/tmp', 'turnout-unit-lab');
const estate = labEstateForTest(0, dir);

describe('haproxy.cfg', () => {
  const cfg = renderHaproxyCfg(estate);

  it('binds loopback only and opens an admin socket', () => {
    expect(cfg).toContain('bind 127.0.0.1:8080');
    expect(cfg).toContain(`stats socket ${join(dir, 'haproxy', 'admin.sock')} mode 600 level admin`);
    expect(cfg).not.toMatch(/bind \*|bind 0\.0\.0\.0|bind :/);
  });

  it('has one server per cell HTTP server in backend cells, round-robin', () => {
    expect(cfg).toContain('backend cells');
    expect(cfg).toContain('balance roundrobin');
    expect(cfg).toContain('server X_webX1 127.0.0.1:8101');
    expect(cfg).toContain('server Y_webY1 127.0.0.1:8201');
  });

  it('routes by clone ID through the affinity map', () => {
    expect(cfg).toContain(`req.cook(JSESSIONID),field(2,:),map(${join(dir, 'haproxy', 'affinity.map')})`);
    expect(cfg).toContain('use-server X_webX1 if { var(txn.affinity) -m str X_webX1 }');
  });

  it('seeds the map with every clone ID of the estate', () => {
    expect(initialAffinity(estate)).toEqual({
      v7oe1ii4: 'X_webX1',
      v7oe1j1e: 'X_webX1',
      v7oe1k2f: 'X_webX1',
      v7oe3bhc: 'Y_webY1',
      v7oe3c36: 'Y_webY1',
      v7oe4cu8: 'Y_webY1',
    });
    expect(renderAffinityMap(estate).split('\n')).toContain('v7oe3bhc Y_webY1');
  });

  it('starts a cell whose clusters are all dormant in drain', () => {
    expect(dormantSprayerServers(estate)).toEqual(['Y_webY1']);
    expect(dormantSprayerServers(labEstateForTest(0, dir, 'lab-multi-cell.json'))).toEqual([]);
  });

  it('finds the binary through TURNOUT_HAPROXY_BIN only when it is executable', () => {
    expect(findHaproxy({ TURNOUT_HAPROXY_BIN: '/nonexistent/haproxy' })).toBeUndefined();
  });
});

describe('haproxy.cfg of a members-mode sprayer (the on-demand router of lab-edition.json)', () => {
  const edition = labEstateForTest(0, dir, 'lab-edition.json');
  const cfg = renderHaproxyCfg(edition);
  /** The lines of one section (`frontend x` / `backend x`) up to the next blank line. */
  const section = (title: string) => {
    const lines = cfg.split('\n');
    const start = lines.indexOf(title);
    if (start < 0) throw new Error(`no section ${title} in:\n${cfg}`);
    const end = lines.indexOf('', start);
    return lines.slice(start, end < 0 ? undefined : end);
  };
  const active = ['ServerE1', 'ServerE2', 'ServerE3', 'ServerE4', 'ServerE5', 'ServerE6'];

  it('has one server per active member, named after it, at its own port and weight', () => {
    const backend = section('backend members');
    expect(backend).toContain('  balance roundrobin');
    expect(backend.filter((l) => l.startsWith('  server '))).toEqual(active.map((name, i) => `  server ${name} 127.0.0.1:${9281 + i} weight 2`));
    expect(sprayerServersOf(edition).map((s) => [s.name, s.cell.name])).toEqual(active.map((name) => [name, 'E']));
  });

  it('routes a session to its member by the clone ID, through the affinity map', () => {
    const backend = section('backend members');
    expect(backend).toContain(`  http-request set-var(txn.affinity) req.cook(JSESSIONID),field(2,:),map(${join(dir, 'haproxy', 'affinity.map')})`);
    for (const name of active) expect(backend).toContain(`  use-server ${name} if { var(txn.affinity) -m str ${name} }`);
    expect(initialAffinity(edition)).toEqual({ e1edition: 'ServerE1', e2edition: 'ServerE2', e3edition: 'ServerE3', e4edition: 'ServerE4', e5edition: 'ServerE5', e6edition: 'ServerE6' });
    expect(renderAffinityMap(edition).split('\n')).toContain('e4edition ServerE4');
  });

  it('never puts a dormant member in the production backend or its map', () => {
    const production = [...section('frontend sprayer'), ...section('backend members')].join('\n');
    expect(production).not.toMatch(/ServerV|v1clone|v2clone|9291|9292/);
    expect(renderAffinityMap(edition)).not.toMatch(/ServerV|clone /);
    expect(dormantSprayerServers(edition)).toEqual([]);
  });

  it('reaches the dormant members (the validation clone) only through the test listener, keeping a session on its member', () => {
    expect(section('frontend sprayer')).toEqual(['frontend sprayer', '  bind 127.0.0.1:8080', '  default_backend members']);
    expect(section('frontend sprayer_test')).toEqual(['frontend sprayer_test', '  bind 127.0.0.1:8081', '  default_backend members_test']);
    const test = section('backend members_test');
    expect(test.filter((l) => l.startsWith('  server '))).toEqual(['  server ServerV1 127.0.0.1:9291 weight 2', '  server ServerV2 127.0.0.1:9292 weight 2']);
    expect(test).toContain('  use-server ServerV1 if { req.cook(JSESSIONID),field(2,:) -m str v1clone }');
    expect(test.join('\n')).not.toMatch(/ServerE/);
    expect(testSprayerServersOf(edition).map((s) => s.name)).toEqual(['ServerV1', 'ServerV2']);
  });

  it('has no test listener without testListen, and none in cells mode', () => {
    const { testListen: _omitted, ...sprayer } = edition.sprayer ?? ({} as NonNullable<typeof edition.sprayer>);
    expect(renderHaproxyCfg({ ...edition, sprayer })).not.toContain('sprayer_test');
    expect(testSprayerServersOf({ ...edition, sprayer })).toEqual([]);
    expect(cfg.match(/^frontend /gm)).toHaveLength(2);
  });

  it('shifts the test listener with the rest of a relocated lab', () => {
    const moved = labEstateForTest(1000, dir, 'lab-edition.json');
    expect(moved.sprayer?.listen.port).toBe(9080);
    expect(moved.sprayer?.testListen?.port).toBe(9081);
    expect(moved.virtualHosts.test.aliases[0]?.port).toBe(9081);
  });
});

describe('runtime API parsing', () => {
  it('splits the answer to a ;-joined line into one answer per command', () => {
    expect(splitAnswers('\n\n', 2)).toEqual(['', '']);
    expect(splitAnswers('\nNo such server.\n\n\n', 3)).toEqual(['', 'No such server.', '']);
    expect(splitAnswers('No such server.\n\nNo such server.\n\n', 2)).toEqual(['No such server.', 'No such server.']);
    expect(() => splitAnswers('\n', 2)).toThrow(/answered 1 of 2 commands/);
  });

  it('reads show servers state and the admin flags', () => {
    const text = [
      '1',
      '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change',
      '3 cells 1 X_webX1 127.0.0.1 2 8 1 1 0',
      '3 cells 2 Y_webY1 127.0.0.1 2 1 3 1 5',
      '',
    ].join('\n');
    const rows = parseServersState(text);
    expect(rows.map((r) => [r.name, adminStateOf(r.adminState), r.weight])).toEqual([
      ['X_webX1', 'drain', 1],
      ['Y_webY1', 'maint', 3],
    ]);
    expect(adminStateOf(0)).toBe('ready');
  });

  it('reads show map', () => {
    expect(parseMap('0x55 v7oe1ii4 X_webX1\n0x56 v7oe3bhc Y_webY1\n')).toEqual([
      { key: 'v7oe1ii4', value: 'X_webX1' },
      { key: 'v7oe3bhc', value: 'Y_webY1' },
    ]);
  });
});
