import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  appName,
  bindNameScript,
  listNamesScript,
  unbindNameScript,
  clusterScript,
  generatePluginCfgScript,
  installScript,
  pluginCfgAutomationScript,
  listServersScript,
  pmiScript,
  propagatePluginCfgScript,
  pythonString,
  readBindingsScript,
  resetServersScript,
  serversScript,
  setBindingsScript,
  setVirtualHostScript,
  WsadminInputError,
  type WsadminBinding,
} from '../../src/drivers/wsadmin/jython';

const expected = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'wsadmin', 'expected', `${name}.py`), 'utf8');

// Seed 002, Listing 4: the values that point Java clients at ClusterY.
const clusterYProvider = 'corbaloc::test1.ibm.com:9812,:test2.ibm.com:9814,:test3.ibm.com:9816';
const listing4ClusterY: WsadminBinding[] = [
  { kind: 'string', name: 'InitialContextProvider', nameInNameSpace: 'com/ibm/samples/userHitCount/InitialContextProvider', stringToBind: clusterYProvider },
  {
    kind: 'indirect',
    name: 'SessionFacadeEJB',
    nameInNameSpace: 'com/ibm/samples/userHitCount/SessionFacadeEJB',
    providerURL: clusterYProvider,
    jndiNameToLookup: 'cell/clusters/ClusterY/ejb/com/ibm/samples/uhc/ejbs/SessionFacadeHome',
  },
];
const clusterY = ['ServerY1', 'ServerY2', 'ServerY3'];
const clusterX = ['ServerX1', 'ServerX2', 'ServerX3'];
const reset = { app: 'userHitCount', servers: ['ServerX1', 'ServerX2'], version: '1.1', artifact: '/opt/turnout/ears/userHitCount-1.1.ear' };

describe('wsadmin scripts equal the checked-in expectations byte for byte', () => {
  it.each([
    ['install', () => installScript({ app: 'userHitCount', version: '1.1', artifact: '/opt/turnout/ears/userHitCount-1.1.ear', clusters: ['ClusterY'], virtualHost: 'test_vhost' })],
    ['set-virtual-host', () => setVirtualHostScript({ app: 'userHitCount', clusters: ['ClusterY'], virtualHost: 'prod_vhost', restart: true })],
    ['start-cluster', () => clusterScript('start', 'ClusterY')],
    ['stop-cluster', () => clusterScript('stop', 'ClusterX')],
    ['start-servers', () => serversScript('start', ['ServerY1'])],
    ['stop-servers', () => serversScript('stop', clusterY)],
    ['restart-servers', () => serversScript('restart', clusterY)],
    ['list-servers', () => listServersScript()],
    ['live-sessions', () => pmiScript('liveSessions', clusterX)],
    ['orb-requests', () => pmiScript('orbRequests', clusterX)],
    ['generate-plugin-cfg', () => generatePluginCfgScript('Y')],
    ['propagate-plugin-cfg', () => propagatePluginCfgScript('Y', [{ node: 'webY1-node', name: 'webY1' }])],
    ['plugin-cfg-automation', () => pluginCfgAutomationScript('Y')],
    ['read-bindings', () => readBindingsScript(listing4ClusterY.map((b) => b.nameInNameSpace))],
    ['set-bindings', () => setBindingsScript(listing4ClusterY)],
    ['soft-reset', () => resetServersScript({ ...reset, reset: 'soft' })],
    ['hard-reset', () => resetServersScript({ ...reset, reset: 'hard' })],
    ['in-flight', () => pmiScript('webRequests', clusterX)],
    ['list-names', () => listNamesScript('clusters/ClusterX-validation/')],
    ['bind-name', () => bindNameScript('clusters/ClusterX-validation/jdbc/CustomerData', 'jdbc:db2://db1.ibm.com:50000/CUSTOMERS')],
    ['unbind-name', () => unbindNameScript('clusters/ClusterX-validation/jdbc/CustomerData')],
  ])('%s', (name, generate) => {
    expect(generate()).toBe(expected(name));
  });

  it('is deterministic', () => {
    expect(setBindingsScript(listing4ClusterY)).toBe(setBindingsScript(listing4ClusterY));
  });
});

describe('values become Python literals, never code', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['C:\\ears\\a.ear', "'C:\\\\ears\\\\a.ear'"],
    ["x'); AdminConfig.reset() #", "'x\\'); AdminConfig.reset() #'"],
    ['line\nbreak\t', "'line\\x0abreak\\x09'"],
    ['café', "u'caf\\u00e9'"],
    ['😀', "u'\\ud83d\\ude00'"],
  ])('%j -> %s', (value, literal) => {
    expect(pythonString(value)).toBe(literal);
  });

  it('embeds a hostile binding value as one escaped literal', () => {
    const text = setBindingsScript([{ kind: 'string', name: 'X', nameInNameSpace: 'a/b', stringToBind: "'\n__import__('os').system('rm -rf /')\n'" }]);
    expect(text).toContain("'stringToBind': '\\'\\x0a__import__(\\'os\\').system(\\'rm -rf /\\')\\x0a\\''");
    expect(text.split('\n').filter((l) => l.includes('__import__'))).toHaveLength(1);
  });
});

describe('names that cannot be made safe are refused, naming the field', () => {
  const refused = (fn: () => string, path: string) => {
    expect(fn).toThrow(WsadminInputError);
    try {
      fn();
    } catch (err) {
      expect((err as WsadminInputError).path).toBe(path);
      expect((err as Error).message.startsWith(`${path}: `)).toBe(true);
    }
  };

  it.each([
    ['a cluster with ObjectName syntax', () => clusterScript('start', 'ClusterY,*'), '$.cluster'],
    ['a server with a quote', () => serversScript('stop', ['ServerY1', "Server'Y2"]), '$.servers[1]'],
    ['an install target with a +', () => installScript({ app: 'userHitCount', version: '1.1', artifact: '/e.ear', clusters: ['ClusterY+ClusterX'], virtualHost: 'test_vhost' }), '$.clusters[0]'],
    ['a version with a slash', () => appName('userHitCount', '1/1'), '$.version'],
    ['an empty artifact', () => installScript({ app: 'userHitCount', version: '1.1', artifact: '', clusters: ['ClusterY'], virtualHost: 'test_vhost' }), '$.artifact'],
    ['no clusters', () => setVirtualHostScript({ app: 'userHitCount', clusters: [], virtualHost: 'prod_vhost', restart: false }), '$.clusters'],
    ['a cell with a space', () => generatePluginCfgScript('Cell Y'), '$.cell'],
    ['a cell with ObjectName syntax, read for its plug-in properties', () => pluginCfgAutomationScript('Y,*'), '$.cell'],
    ['a web server node', () => propagatePluginCfgScript('Y', [{ node: 'n/1', name: 'webY1' }]), '$.webServers[0].node'],
    ['a reset of no server', () => resetServersScript({ ...reset, servers: [], reset: 'soft' }), '$.servers'],
    ['a reset of a server with ObjectName syntax', () => resetServersScript({ ...reset, servers: ['ServerX1', 'ServerX2,*'], reset: 'hard' }), '$.servers[1]'],
    ['a reset to a version with a space', () => resetServersScript({ ...reset, version: '1 1', reset: 'soft' }), '$.version'],
    ['an empty plain name', () => unbindNameScript(''), '$.name'],
    ['an empty plain value', () => bindNameScript('clusters/ClusterX/jdbc/CustomerData', ''), '$.value'],
    ['an empty binding value', () => setBindingsScript([{ kind: 'indirect', name: 'E', nameInNameSpace: 'e', providerURL: 'corbaloc::h:1', jndiNameToLookup: '' }]), '$[0].jndiNameToLookup'],
  ])('%s', (_what, fn, path) => refused(fn, path));
});
