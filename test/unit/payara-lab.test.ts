import { join } from 'node:path';
import { renderHaproxyCfg } from '../../src/lab/haproxy';
import { cloneIdOfSessionCookie, cloneIdSeparatorOf } from '../../src/drivers/sprayer/sprayer';
import { labAppProperties } from '../../src/lab/payara/lab-war';
import { loopbackDomainXml, movedPaths, payaraDomainKey, payaraDomainPlan, PayaraLabEstateError, quickStartDomainXml, withNodeDir } from '../../src/lab/payara/payara-layout';
import { domainShapingCommands } from '../../src/lab/payara/payara-domain';
import { relocateLabEstate } from '../../src/lab/relocate-estate';
import { estateSchema } from '../../src/model/estate';
import { labEstateForTest } from '../support/lab-estate';
import { payaraTestOffset } from '../support/payara-lab';

const dir = join('/tmp', 'turnout-unit-payara');
const estate = relocateLabEstate(0, dir, 'lab-payara.json');

describe('the Payara lab domain of lab-payara.json', () => {
  const plan = payaraDomainPlan(estate);

  it('is the cell as a domain, the cluster as a deployment group, port bases from the estate ports', () => {
    expect(plan).toMatchObject({ domain: 'payara', node: 'localhost-payara', dasPortBase: 16000, adminPort: 16048, groups: ['dg1', 'spare'], activeGroups: ['dg1'], settings: { dasHeapMb: 384, instanceHeapMb: 256 } });
    expect(plan.instances).toEqual([
      { name: 'instance1', group: 'dg1', jvmRoute: 'instance1', portBase: 16100, httpPort: 16180, hazelcastPort: 16190 },
      { name: 'instance2', group: 'dg1', jvmRoute: 'instance2', portBase: 16200, httpPort: 16280, hazelcastPort: 16290 },
      { name: 'instance3', group: 'dg1', jvmRoute: 'instance3', portBase: 16300, httpPort: 16380, hazelcastPort: 16390 },
      { name: 'spare1', group: 'spare', jvmRoute: 'spare1', portBase: 16500, httpPort: 16580, hazelcastPort: 16590 },
    ]);
  });

  it('moves with the estate: a relocated estate has other port bases and another prepared-domain key', () => {
    const moved = payaraDomainPlan(relocateLabEstate(2600, dir, 'lab-payara.json'));
    expect(moved.dasPortBase).toBe(18600);
    expect(moved.instances.map((i) => i.portBase)).toEqual([18700, 18800, 18900, 19100]);
    expect(payaraDomainKey(moved, '6', [])).not.toBe(payaraDomainKey(plan, '6', []));
    expect(payaraDomainKey(plan, '6', [])).toBe(payaraDomainKey(payaraDomainPlan(estate), '6', []));
    expect(payaraDomainKey(plan, '6', [['set', 'x']])).not.toBe(payaraDomainKey(plan, '6', []));
  });

  it('refuses estates that do not fit, naming every problem', () => {
    const doc = JSON.parse(JSON.stringify(estate)) as { cells: { clusters: { servers: { port: number; host: string }[] }[] }[] };
    const servers = doc.cells[0]?.clusters[0]?.servers ?? [];
    (servers[1] as { port: number }).port = 16200 + 80 - 50;
    (servers[2] as { host: string }).host = '10.0.0.5';
    const bad = estateSchema.parse(doc);
    expect(() => payaraDomainPlan(bad)).toThrow(PayaraLabEstateError);
    expect(() => payaraDomainPlan(bad)).toThrow(/instance3: host must be 127.0.0.1[\s\S]*overlap/);
    expect(() => payaraDomainPlan(labEstateForTest(0, dir))).toThrow(/not asadmin/);
  });

  it('shapes the domain with asadmin: monitoring, small heaps, the group, instances with jvmRoute', () => {
    const commands = domainShapingCommands(plan).map((c) => c.join(' '));
    expect(commands).toContain('set configs.config.server-config.monitoring-service.module-monitoring-levels.web-container=HIGH');
    expect(commands).toContain('create-deployment-group dg1');
    expect(commands).toContain('create-instance --node localhost-payara --portbase 16200 --deploymentgroup dg1 instance2');
    expect(commands).toContain('create-jvm-options --target instance2-config -DjvmRoute=instance2');
    // The dormant cluster's group and instance exist in the domain (the lab never starts them).
    expect(commands).toContain('create-instance --node localhost-payara --portbase 16500 --deploymentgroup spare spare1');
    expect(commands.find((c) => c.startsWith('create-jvm-options --target default-config -Xmx'))).toContain('-Xmx256m');
  });
});

describe('domain.xml edits', () => {
  it('binds every listener and the data grid to loopback', () => {
    const xml = '<network-listener port="1" name="a"/><network-listener address="0.0.0.0" port="2"/><iiop-listener address="0.0.0.0"/><hazelcast-runtime-configuration start-port="5">';
    const out = loopbackDomainXml(xml);
    expect(out).not.toContain('0.0.0.0');
    expect(out.match(/\saddress="127\.0\.0\.1"/g)).toHaveLength(3);
    expect(out).toContain('<hazelcast-runtime-configuration interface="127.0.0.1" das-bind-address="127.0.0.1"');
    expect(loopbackDomainXml(out)).toBe(out);
  });

  it('gives the built-in node a node dir, once', () => {
    const xml = '<nodes><node name="localhost-payara" install-dir="x" type="CONFIG"></node></nodes>';
    const out = withNodeDir(xml, 'localhost-payara', '/lab/payara/nodes');
    expect(out).toContain('<node name="localhost-payara" node-dir="/lab/payara/nodes" install-dir="x"');
    expect(() => withNodeDir(out, 'localhost-payara', '/elsewhere')).toThrow(/no node localhost-payara/);
  });

  it('trims start-up per config: data grid and transaction recovery off, the class-data-sharing options each config is given, idempotent but for the options', () => {
    const config = (name: string, extra = '') =>
      `<config name="${name}">\n      <transaction-service automatic-recovery="true" tx-log-dir="x">\n      <java-config classpath-suffix="">\n        <jvm-options>-XX:+UseSerialGC</jvm-options>\n${extra}      </java-config>\n      <hazelcast-config-specific-configuration config-specific-data-grid-start-port="7"></hazelcast-config-specific-configuration>\n    </config>`;
    const xml = `<configs>\n    ${config('server-config', '        <jvm-options>-XX:+UnlockDiagnosticVMOptions</jvm-options>\n')}\n    ${config('instance1-config')}\n    ${config('instance2-config')}\n  </configs>`;
    const out = quickStartDomainXml(xml, (c) => (c === 'server-config' ? { kind: 'use', file: '/cache/das.jsa' } : c === 'instance1-config' ? { kind: 'record', file: '/cache/instance.jsa.recording-1' } : null));
    expect(out).not.toContain('automatic-recovery="true"');
    expect(out.match(/data-grid-start-port="7" enabled="false"/g)).toHaveLength(3);
    const blocks = out.split('<config name=').slice(1);
    expect(blocks[0]).toContain('        <jvm-options>-XX:+AllowArchivingWithJavaAgent</jvm-options>\n        <jvm-options>-XX:SharedArchiveFile=/cache/das.jsa</jvm-options>\n      </java-config>');
    expect(blocks[0]?.match(/UnlockDiagnosticVMOptions/g)).toHaveLength(1);
    expect(blocks[1]).toContain('<jvm-options>-XX:+UnlockDiagnosticVMOptions</jvm-options>\n        <jvm-options>-XX:+AllowArchivingWithJavaAgent</jvm-options>\n        <jvm-options>-XX:ArchiveClassesAtExit=/cache/instance.jsa.recording-1</jvm-options>');
    expect(blocks[2]).not.toContain('Archiv');
    expect(quickStartDomainXml(xml, () => null)).toBe(quickStartDomainXml(quickStartDomainXml(xml, () => null), () => null));
  });

  it('moves every absolute path of a prepared copy', () => {
    expect(movedPaths('a=/c/k.tmp-1/nodes b=/c/k.tmp-1/payara', '/c/k.tmp-1', '/lab/payara')).toBe('a=/lab/payara/nodes b=/lab/payara/payara');
  });
});

describe('clone IDs after "."', () => {
  it('routes HAProxy by the JSESSIONID suffix after the estate separator', () => {
    expect(cloneIdSeparatorOf(estate)).toBe('.');
    const cfg = renderHaproxyCfg(estate);
    expect(cfg).toContain('req.cook(JSESSIONID),field(2,.),map(');
    expect(cfg).toContain('server instance2 127.0.0.1:16280 weight 2');
    // The dormant cluster's never-started instance is behind no backend.
    expect(cfg).not.toContain('spare1');
    expect(renderHaproxyCfg(labEstateForTest(0, dir))).toContain('req.cook(JSESSIONID),field(2,:),map(');
  });

  it('reads the clone ID of either family', () => {
    expect(cloneIdOfSessionCookie('37b2479.instance1', '.')).toBe('instance1');
    expect(cloneIdOfSessionCookie('0000AbC:v7oe1ii4:v7oe3bhc', ':')).toBe('v7oe1ii4');
    expect(cloneIdOfSessionCookie('0000AbC', ':')).toBeUndefined();
    expect(cloneIdOfSessionCookie(undefined, '.')).toBeUndefined();
  });
});

describe('the lab war', () => {
  it('bakes the version and its settings into stable properties', () => {
    const props = labAppProperties({ app: 'myApp', version: '1.1', cell: 'payara', cluster: 'dg1', sessionIdleSeconds: 20 });
    expect(props).toBe('app=myApp\nversion=1.1\ncell=payara\ncluster=dg1\nbroken=false\nsessionIdleSeconds=20\n');
    expect(labAppProperties({ app: 'myApp', version: '1.1', cell: 'payara', cluster: 'dg1', broken: true })).toContain('broken=true');
    expect(labAppProperties({ app: 'c', version: '4.0', cell: 'payara', cluster: 'dg1', brokenOn: ['instance2', 'instance3'] })).toBe('app=c\nversion=4.0\ncell=payara\ncluster=dg1\nbroken=false\nbrokenOn=instance2,instance3\nsessionIdleSeconds=0\n');
    expect(labAppProperties({ app: 'c', version: '4.0', cell: 'payara', cluster: 'dg1', brokenOn: [] })).not.toContain('brokenOn');
  });
});

describe('the Payara test lab offset', () => {
  it("is the jest worker's, unless TURNOUT_PAYARA_TEST_OFFSET says otherwise, and keeps out of the ephemeral range", () => {
    expect(payaraTestOffset({ JEST_WORKER_ID: '1' })).toBe(0);
    expect(payaraTestOffset({ JEST_WORKER_ID: '2' })).toBe(2600);
    expect(payaraTestOffset({ JEST_WORKER_ID: '2', TURNOUT_PAYARA_TEST_OFFSET: '1300' })).toBe(1300);
    expect(() => payaraTestOffset({ TURNOUT_PAYARA_TEST_OFFSET: '16200' })).toThrow(/1024-32767/);
    expect(() => payaraTestOffset({ TURNOUT_PAYARA_TEST_OFFSET: 'x' })).toThrow(/TURNOUT_PAYARA_TEST_OFFSET=x/);
  });
});
