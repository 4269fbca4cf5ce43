import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createWsadminAppServer } from '../../src/drivers/app-server/wsadmin-app-server';
import { createWsadminNaming } from '../../src/drivers/naming/wsadmin-naming';
import { createWsadminSessionCounter } from '../../src/drivers/sessions/wsadmin-sessions';
import { WsadminInputError } from '../../src/drivers/wsadmin/jython';
import { bindingValuesFor, estateSchema, type Estate, type EstateInput } from '../../src/model';
import { createWsadminStandIn, wsadminSamples, type WsadminStandIn } from '../support/wsadmin-stand-in';

const expected = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'wsadmin', 'expected', `${name}.py`), 'utf8');
const odd = 'corbaloc::test1.ibm.com:9811,:test2.ibm.com:9813,:test3.ibm.com:9815';
const even = 'corbaloc::test1.ibm.com:9812,:test2.ibm.com:9814,:test3.ibm.com:9816';
const home = (cluster: string) => `cell/clusters/${cluster}/ejb/com/ibm/samples/uhc/ejbs/SessionFacadeHome`;
const members = (c: string, clone: string) => [1, 2, 3].map((i) => ({ name: `Server${c}${i}`, host: `test${i}.ibm.com`, port: 9080, cloneId: `${clone}${i}`, node: `node${i}` }));

/** Seed 002's single cell: ClusterX active, ClusterY dormant, the Listing 4 bindings; run through wsadmin. */
function seedEstate(bin: string, naming: 'wsadmin' | 'lab' = 'wsadmin'): Estate {
  const input: EstateInput = {
    name: 'seed-single-cell',
    cells: [{ name: 'Y', clusters: [{ name: 'ClusterX', state: 'active', servers: members('X', 'v7oe1') }, { name: 'ClusterY', state: 'dormant', servers: members('Y', 'v7oe3') }] }],
    virtualHosts: { production: { name: 'prod_vhost', aliases: [{ host: '*', port: 80 }] }, test: { name: 'test_vhost', aliases: [{ host: '*', port: 8080 }] } },
    naming: {
      driver: naming,
      bindings: [
        { kind: 'string', name: 'InitialContextProvider', jndiName: 'cell/persistent/com/ibm/samples/userHitCount/InitialContextProvider', valueByCluster: { ClusterX: odd, ClusterY: even } },
        {
          kind: 'indirect',
          name: 'SessionFacadeEJB',
          jndiName: 'cell/persistent/com/ibm/samples/userHitCount/SessionFacadeEJB',
          providerUrlByCluster: { ClusterX: odd, ClusterY: even },
          bindingByCluster: { ClusterX: home('ClusterX'), ClusterY: home('ClusterY') },
        },
      ],
    },
    appServer: { driver: 'wsadmin', command: [bin, '-conntype', 'SOAP', '-host', 'dmgr.example.com', '-port', '8879', '-user', 'wasadmin'], passwordEnv: 'WAS_PASSWORD' },
  };
  return estateSchema.parse(input);
}

let standIn: WsadminStandIn;
let estate: Estate;
const options = (extra: Record<string, string> = {}) => ({ env: standIn.env({ WAS_PASSWORD: 'secret', ...extra }) });
const sampleEnv = (sample: string) => ({ WSADMIN_SAMPLE: path.join(wsadminSamples, `${sample}.txt`) });
/** A one-off sample: wsadmin's banner and the given result line. */
function customSample(result: string): Record<string, string> {
  const file = path.join(path.dirname(standIn.bin), 'custom-sample.txt');
  writeFileSync(file, `WASX7209I: Connected to process "dmgr" on node CellManager01 using SOAP connector;  The type of process is: DeploymentManager\nTURNOUT-RESULT ${result}\n`);
  return { WSADMIN_SAMPLE: file };
}
const ran = () => existsSync(path.join(path.dirname(standIn.bin), 'args'));

beforeEach(() => {
  standIn = createWsadminStandIn();
  estate = seedEstate(standIn.bin);
});
afterEach(() => standIn.remove());

describe('wsadmin app-server driver', () => {
  const driver = (extra?: Record<string, string>, app?: string) => createWsadminAppServer(estate, { ...options(extra), ...(app ? { app } : {}) });

  it.each([
    ['install', (d: ReturnType<typeof driver>) => d.install({ app: 'userHitCount', version: '1.1', artifact: '/opt/turnout/ears/userHitCount-1.1.ear', clusters: ['ClusterY'], virtualHost: 'test_vhost' })],
    ['set-virtual-host', (d: ReturnType<typeof driver>) => d.setVirtualHost({ app: 'userHitCount', clusters: ['ClusterY'], virtualHost: 'prod_vhost', restart: true })],
    ['start-cluster', (d: ReturnType<typeof driver>) => d.startCluster('ClusterY')],
    ['stop-cluster', (d: ReturnType<typeof driver>) => d.stopCluster('ClusterX')],
    ['start-servers', (d: ReturnType<typeof driver>) => d.startServers(['ServerY1'])],
    ['stop-servers', (d: ReturnType<typeof driver>) => d.stopServers(['ServerY1', 'ServerY2', 'ServerY3'])],
    ['restart-servers', (d: ReturnType<typeof driver>) => d.restartServers(['ServerY1', 'ServerY2', 'ServerY3'])],
  ])('%s runs the expected script and resolves', async (name, call) => {
    await expect(call(driver())).resolves.toBeUndefined();
    expect(standIn.last().script).toBe(expected(name));
    expect(standIn.last().args).toContain('secret');
  });

  it('fails when a server is not in the state asked for afterwards', async () => {
    await expect(driver(sampleEnv('stop-servers')).startServers(['ServerY1', 'ServerY2', 'ServerY3'])).rejects.toThrow('start left ServerY1 STOPPED, ServerY2 STOPPED, ServerY3 STOPPED');
  });

  it('maps the servers, their state and the version from <app>-<version>', async () => {
    const servers = await driver().servers();
    expect(standIn.last().script).toBe(expected('list-servers'));
    const x = { cluster: 'ClusterX', running: true, version: '1.0', virtualHost: 'prod_vhost', runningVirtualHost: 'prod_vhost' };
    const y = { cluster: 'ClusterY', version: '1.1', virtualHost: 'test_vhost' };
    expect(servers).toEqual([
      { name: 'ServerX1', ...x },
      { name: 'ServerX2', ...x },
      { name: 'ServerX3', ...x },
      { name: 'ServerY1', ...y, running: true, runningVirtualHost: 'test_vhost' },
      { name: 'ServerY2', ...y, running: false, runningVirtualHost: null },
      { name: 'ServerY3', ...y, running: false, runningVirtualHost: null },
    ]);
  });

  it('needs the app option when a cluster holds two versioned applications', async () => {
    const two = customSample(
      '{"cell":"Y","servers":[{"apps":[{"name":"userHitCount-1.1","virtualHosts":["test_vhost"]},{"name":"hitReport-2.0","virtualHosts":["prod_vhost"]},{"name":"ivtApp","virtualHosts":["default_host"]}],"cluster":"ClusterY","name":"ServerY1","node":"node1","state":"STOPPED"}]}',
    );
    await expect(driver(two).servers()).rejects.toThrow('cluster ClusterY holds userHitCount-1.1, hitReport-2.0: set the driver');
    await expect(driver(two, 'userHitCount').servers()).resolves.toEqual([{ name: 'ServerY1', cluster: 'ClusterY', running: false, version: '1.1', virtualHost: 'test_vhost', runningVirtualHost: null }]);
  });

  it('reads ORB concurrent requests per server as connections', async () => {
    await expect(driver().connections(['ServerX1', 'ServerX2', 'ServerX3'])).resolves.toEqual([
      { name: 'ServerX1', connections: 2 },
      { name: 'ServerX2', connections: 0 },
      { name: 'ServerX3', connections: 1 },
    ]);
    expect(standIn.last().script).toBe(expected('orb-requests'));
  });

  it('refuses to read a disabled ORB counter as zero', async () => {
    await expect(driver(sampleEnv('orb-requests-disabled')).connections(['ServerX1', 'ServerX2', 'ServerX3'])).rejects.toThrow('PMI ConcurrentRequestCount is not available on ServerX1: enable the ORB counter ConcurrentRequestCount (PMI custom set orbPerfModule=3)');
  });

  it('returns the generated plugin-cfg.xml as text, decoded by its declared encoding', async () => {
    const text = await driver().generatePluginCfg('Y');
    expect(standIn.last().script).toBe(expected('generate-plugin-cfg'));
    expect(text).toBe('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!-- Generé par GenPluginCfg -->\n<Config ASDisableNagle="false" RefreshInterval="60">\n   <ServerCluster Name="ClusterY_Y" LoadBalance="Round Robin"/>\n</Config>\n');
  });

  it('reads the web servers\' plug-in generation and propagation, with the script checked in', async () => {
    const read = await driver().pluginCfgAutomation!('Y');
    expect(standIn.last().script).toBe(expected('plugin-cfg-automation'));
    expect(read).toEqual({
      cell: 'Y',
      webServers: [
        { node: 'webY1-node', name: 'webY1', generation: 'MANUAL', propagation: 'MANUAL' },
        { node: 'webY2-node', name: 'webY2', generation: 'MANUAL', propagation: 'MANUAL' },
      ],
    });
    const on = await driver(customSample('{"cell":"Y","webServers":[{"generation":"AUTOMATIC","name":"webY1","node":"webY1-node","propagation":"AUTOMATIC"},{"generation":null,"name":"webY2","node":"webY2-node","propagation":null}]}')).pluginCfgAutomation!('Y');
    expect(on.webServers.map((w) => [w.name, w.generation, w.propagation])).toEqual([['webY1', 'AUTOMATIC', 'AUTOMATIC'], ['webY2', null, null]]);
  });

  it('fails, saying why, when wsadmin cannot read the plug-in properties (the rollout then refuses: unknown)', async () => {
    await expect(driver(sampleEnv('failure-wasx7017e')).pluginCfgAutomation!('Y')).rejects.toThrow(/WASX7017E/);
  });

  it('refuses a result of the wrong shape', async () => {
    await expect(driver(sampleEnv('start-cluster')).servers()).rejects.toThrow(/^the script's result has an unexpected shape: \$\.cell: .*; \$\.servers: /);
  });

  it('runs nothing for an empty server list, and nothing for a name it refuses', async () => {
    await driver().stopServers([]);
    await expect(driver().connections([])).resolves.toEqual([]);
    await expect(driver().startCluster('ClusterY,*')).rejects.toThrow(WsadminInputError);
    expect(ran()).toBe(false);
  });

  it('needs an estate whose app server is driven by wsadmin', () => {
    const lab = { ...estate, appServer: { driver: 'lab' as const, adminUrl: 'http://127.0.0.1:9060' } };
    expect(() => createWsadminAppServer(lab)).toThrow('$.appServer.driver: the wsadmin drivers need "wsadmin", not "lab"');
  });
});

describe('wsadmin naming driver', () => {
  const naming = (extra?: Record<string, string>) => createWsadminNaming(estate, options(extra));

  it('reads the Listing 4 bindings by name', async () => {
    await expect(naming().read(['InitialContextProvider', 'cell/persistent/com/ibm/samples/userHitCount/SessionFacadeEJB'])).resolves.toEqual([
      { kind: 'string', name: 'InitialContextProvider', jndiName: 'cell/persistent/com/ibm/samples/userHitCount/InitialContextProvider', value: odd },
      { kind: 'indirect', name: 'SessionFacadeEJB', jndiName: 'cell/persistent/com/ibm/samples/userHitCount/SessionFacadeEJB', providerUrl: odd, binding: home('ClusterX') },
    ]);
    expect(standIn.last().script).toBe(expected('read-bindings'));
  });

  it('points the bindings at ClusterY', async () => {
    await expect(naming().set(bindingValuesFor(estate, 'ClusterY'))).resolves.toBeUndefined();
    expect(standIn.last().script).toBe(expected('set-bindings'));
  });

  it('fails when the cell reads back other values', async () => {
    await expect(naming(sampleEnv('set-bindings')).set(bindingValuesFor(estate, 'ClusterX'))).rejects.toThrow('the cell still holds other values for com/ibm/samples/userHitCount/InitialContextProvider, com/ibm/samples/userHitCount/SessionFacadeEJB');
  });

  it('refuses bindings outside cell/persistent and unknown names, running nothing', async () => {
    await expect(naming().set([{ kind: 'string', name: 'X', jndiName: 'nodes/node1/persistent/x', value: 'v' }])).rejects.toThrow('$[0].jndiName: "nodes/node1/persistent/x" is not under cell/persistent/');
    await expect(naming().read(['NoSuchBinding'])).rejects.toThrow('$[0]: no configured binding "NoSuchBinding" in the estate');
    expect(ran()).toBe(false);
  });

  const customerData = 'clusters/ClusterX-validation/jdbc/CustomerData';
  const db = 'jdbc:db2://db1.ibm.com:50000/CUSTOMERS';

  it('lists the plain names under a prefix, with their values', async () => {
    await expect(naming().list('clusters/ClusterX-validation/')).resolves.toEqual([
      { name: customerData, value: db },
      { name: 'clusters/ClusterX-validation/jms/OrderQueue', value: 'queue://orders' },
    ]);
    expect(standIn.last().script).toBe(expected('list-names'));
  });

  it('binds and unbinds a plain name', async () => {
    await expect(naming().bind(customerData, db)).resolves.toBeUndefined();
    expect(standIn.last().script).toBe(expected('bind-name'));
    await expect(naming().unbind(customerData)).resolves.toBeUndefined();
    expect(standIn.last().script).toBe(expected('unbind-name'));
  });

  it('fails a bind when the cell reads back another value', async () => {
    await expect(naming(sampleEnv('bind-name')).bind(customerData, 'jdbc:other')).rejects.toThrow(`the cell still holds another value for ${customerData}`);
  });

  it('needs naming.driver wsadmin', () => {
    expect(() => createWsadminNaming(seedEstate(standIn.bin, 'lab'))).toThrow('$.naming.driver');
  });
});

describe('wsadmin session counter', () => {
  const counter = (extra?: Record<string, string>) => createWsadminSessionCounter(estate, options(extra));

  it('reads the PMI LiveCount per server; a stopped server holds none', async () => {
    await expect(counter().liveSessions(['ServerX1', 'ServerX2', 'ServerX3'])).resolves.toEqual([
      { name: 'ServerX1', sessions: 12 },
      { name: 'ServerX2', sessions: 3 },
      { name: 'ServerX3', sessions: 0 },
    ]);
    expect(standIn.last().script).toBe(expected('live-sessions'));
  });

  it('unknown is not zero: a failed wsadmin run gives every server null with the reason, and does not throw', async () => {
    const answers = await counter({ ...sampleEnv('failure-traceback-jython27'), WSADMIN_EXIT: '105' }).liveSessions(['ServerX1', 'ServerX2']);
    expect(answers.map((a) => [a.name, a.sessions])).toEqual([
      ['ServerX1', null],
      ['ServerX2', null],
    ]);
    for (const a of answers) expect(a.problem).toContain("AttributeError: 'NoneType' object has no attribute 'getCurrent'");
  });

  it('gives null for a server missing from the answer, a running one whose counter is off, and one neither running nor stopped', async () => {
    const sample = customSample(
      '{"statistic":"LiveCount","servers":[{"name":"ServerX1","state":"STARTED","value":null},{"name":"ServerX2","state":"STOPPING","value":0},{"name":"ServerX3","state":"STOPPED","value":0}]}',
    );
    await expect(counter(sample).liveSessions(['ServerX1', 'ServerX2', 'ServerX3', 'ServerY1'])).resolves.toEqual([
      { name: 'ServerX1', sessions: null, problem: 'PMI LiveCount is not available on ServerX1: enable the servlet session counter LiveCount (PMI custom set servletSessionsModule=7)' },
      { name: 'ServerX2', sessions: null, problem: 'ServerX2 is STOPPING: neither running nor stopped' },
      { name: 'ServerX3', sessions: 0 },
      { name: 'ServerY1', sessions: null, problem: "wsadmin's answer has no LiveCount for ServerY1" },
    ]);
  });

  it('runs nothing for an empty server list', async () => {
    await expect(counter().liveSessions([])).resolves.toEqual([]);
    expect(ran()).toBe(false);
  });
});

describe('wsadmin app-server resets and requests in flight', () => {
  const driver = (extra?: Record<string, string>) => createWsadminAppServer(estate, options(extra));
  const cmd = { app: 'userHitCount', servers: ['ServerX1', 'ServerX2'], version: '1.1', artifact: '/opt/turnout/ears/userHitCount-1.1.ear' };

  it('soft: one outcome per server, a failed application start is not ok, with the exception, and no throw', async () => {
    await expect(driver().resetServers({ ...cmd, reset: 'soft' })).resolves.toEqual([
      { name: 'ServerX1', ok: true, pid: 4711 },
      { name: 'ServerX2', ok: false, pid: 4712, problem: 'userHitCount-1.1 did not start on ServerX2: com.ibm.ws.exception.RuntimeWarning: ADMA0116W: Unable to start userHitCount-1.1' },
    ]);
    expect(standIn.last().script).toBe(expected('soft-reset'));
  });

  it('hard: restarts a running server and starts a stopped one, with their new pids', async () => {
    await expect(driver().resetServers({ ...cmd, reset: 'hard' })).resolves.toEqual([
      { name: 'ServerX1', ok: true, pid: 5120 },
      { name: 'ServerX2', ok: true, pid: 5121 },
    ]);
    expect(standIn.last().script).toBe(expected('hard-reset'));
  });

  it('reads what the script found after the reset: another edition still running, a server left stopped', async () => {
    const sample = customSample(
      '{"app":"userHitCount-1.1","reset":"soft","servers":[{"action":"soft","before":"STARTED","name":"ServerX1","others":["userHitCount-1.0"],"pid":"1","problem":null,"running":1,"state":"STARTED"},{"action":"started","before":"STOPPED","name":"ServerX2","others":[],"pid":null,"problem":null,"running":0,"state":"STOPPED"}]}',
    );
    await expect(driver(sample).resetServers({ ...cmd, reset: 'soft' })).resolves.toEqual([
      { name: 'ServerX1', ok: false, pid: 1, problem: 'ServerX1 still runs userHitCount-1.0' },
      { name: 'ServerX2', ok: false, pid: null, problem: 'ServerX2 is STOPPED after the reset' },
    ]);
  });

  it('fails every server, with why, when wsadmin fails; refuses bad names before running anything', async () => {
    const answers = await driver({ ...sampleEnv('failure-wasx7017e'), WSADMIN_EXIT: '105' }).resetServers({ ...cmd, reset: 'hard' });
    expect(answers.map((a) => [a.name, a.ok, a.pid])).toEqual([
      ['ServerX1', false, null],
      ['ServerX2', false, null],
    ]);
    for (const a of answers) expect(a.problem).toMatch(/^wsadmin did not finish the hard reset: /);
    standIn.remove();
    standIn = createWsadminStandIn();
    estate = seedEstate(standIn.bin);
    await expect(driver().resetServers({ ...cmd, servers: ["Server'X1"], reset: 'soft' })).rejects.toThrow(WsadminInputError);
    await expect(driver().resetServers({ ...cmd, servers: [], reset: 'soft' })).resolves.toEqual([]);
    expect(ran()).toBe(false);
  });

  it('reads the WebContainer ActiveCount as requests in flight; a stopped server serves none', async () => {
    await expect(driver().inFlight(['ServerX1', 'ServerX2', 'ServerX3'])).resolves.toEqual([
      { name: 'ServerX1', inFlight: 3 },
      { name: 'ServerX2', inFlight: 0 },
      { name: 'ServerX3', inFlight: 0 },
    ]);
    expect(standIn.last().script).toBe(expected('in-flight'));
  });

  it('unknown is not zero: a counter that is off, or a failed run, reads null with why', async () => {
    const off = customSample('{"statistic":"ActiveCount","servers":[{"name":"ServerX1","state":"STARTED","value":null}]}');
    await expect(driver(off).inFlight(['ServerX1'])).resolves.toEqual([
      { name: 'ServerX1', inFlight: null, problem: 'PMI ActiveCount is not available on ServerX1: enable the WebContainer thread pool counter ActiveCount (PMI custom set threadPoolModule=3)' },
    ]);
    const failed = await driver({ ...sampleEnv('failure-wasx7017e'), WSADMIN_EXIT: '105' }).inFlight(['ServerX1']);
    expect(failed[0]?.inFlight).toBeNull();
    expect(failed[0]?.problem).toMatch(/^wsadmin could not read the ActiveCount: /);
  });
});

describe('wsadmin app-server probe', () => {
  const driver = (extra?: Record<string, string>) => createWsadminAppServer(estate, options(extra));

  it('takes a started server for answering with its configured version, from the list-servers query', async () => {
    await expect(driver().probe(['ServerY1', 'ServerY2', 'ServerX3', 'NoSuchServer'])).resolves.toEqual([
      { name: 'ServerY1', answering: true, version: '1.1' },
      { name: 'ServerY2', answering: false, version: null, problem: 'ServerY2 is stopped' },
      { name: 'ServerX3', answering: true, version: '1.0' },
      { name: 'NoSuchServer', answering: false, version: null, problem: 'NoSuchServer is not a cluster member in the cell' },
    ]);
    expect(standIn.last().script).toBe(expected('list-servers'));
  });

  it('says no server is answering when wsadmin fails, with the reason, and does not throw', async () => {
    const answers = await driver({ ...sampleEnv('failure-wasx7017e'), WSADMIN_EXIT: '105' }).probe(['ServerX1', 'ServerY1']);
    expect(answers.map((a) => [a.name, a.answering, a.version])).toEqual([
      ['ServerX1', false, null],
      ['ServerY1', false, null],
    ]);
    for (const a of answers) expect(a.problem).toMatch(/^wsadmin could not read the servers' state: /);
  });
});
