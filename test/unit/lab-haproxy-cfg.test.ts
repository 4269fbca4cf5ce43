import { join } from 'node:path';
import { dormantSprayerServers, findHaproxy, renderAffinityMap, renderHaproxyCfg } from '../../src/lab/haproxy';
import { initialAffinity } from '../../src/drivers/sprayer/sprayer';
import { adminStateOf, parseMap, parseServersState } from '../../src/drivers/sprayer/haproxy-runtime-api';
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

describe('runtime API parsing', () => {
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
