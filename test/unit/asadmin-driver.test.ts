/** The asadmin driver's parts that need no server: REST answers parsed, refs mapped to versions, deploy arguments built, the client JVM's options. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAsadmin } from '../../src/drivers/asadmin/asadmin-cli';
import { isRunningStatus, monitoringFigure, parseDotted, parseInstanceList, restPath } from '../../src/drivers/asadmin/asadmin-rest';
import { refsByInstance, versionOfRef } from '../../src/drivers/app-server/asadmin-domain';
import { deployArgs, deployedName } from '../../src/drivers/app-server/asadmin-app-server';
import { storeNameOf, storeNamesOf } from '../../src/drivers/app-server/asadmin-session-store';

describe('asadmin REST answers', () => {
  it('reads dotted names and values of a get, values holding = and :', () => {
    const dotted = parseDotted({ children: [{ message: 'servers.server.inst1.application-ref.hit:1.0.enabled=true' }, { message: 'a.b=x=y' }, { message: 'garbage' }] });
    expect([...dotted]).toEqual([
      ['servers.server.inst1.application-ref.hit:1.0.enabled', 'true'],
      ['a.b', 'x=y'],
    ]);
  });

  it('reads instances, restart reasons and pids from list-instances --long', () => {
    const answer = {
      message: 'Name   Host       Port   Pid    Cluster  State\ninst1  localhost  35048  4476   ---       running;  requires restart [...]\ninst2  localhost  35148  --   ---  not running',
      extraProperties: {
        instanceList: [
          { name: 'inst1', status: 'REQUIRES_RESTART', restartReasons: ['disable hit'] },
          { name: 'inst2', status: 'NOT_RUNNING' },
          { status: 'RUNNING' },
        ],
      },
    };
    expect(parseInstanceList(answer)).toEqual([
      { name: 'inst1', status: 'REQUIRES_RESTART', restartReasons: ['disable hit'], pid: 4476 },
      { name: 'inst2', status: 'NOT_RUNNING', restartReasons: [], pid: null },
    ]);
    expect([isRunningStatus('RUNNING'), isRunningStatus('REQUIRES_RESTART'), isRunningStatus('NOT_RUNNING')]).toEqual([true, true, false]);
    expect(parseInstanceList({})).toEqual([]);
  });

  it('reads a monitoring figure, current or count; null when absent', () => {
    const answer = { extraProperties: { entity: { activesessionscurrent: { current: 3 }, requestcount: { count: 9 } } } };
    expect([monitoringFigure(answer, 'activesessionscurrent'), monitoringFigure(answer, 'requestcount'), monitoringFigure(answer, 'nope')]).toEqual([3, 9, null]);
  });

  it('encodes path segments (versioned names hold a colon)', () => {
    expect(restPath('applications', 'hit:1.0')).toBe('applications/hit%3A1.0');
  });
});

describe('application versions', () => {
  it('maps refs to versions: versioned, unversioned, another app', () => {
    expect([versionOfRef('hit', 'hit:1.1'), versionOfRef('hit', 'hit'), versionOfRef('hit', 'hitx:1.0'), versionOfRef('hit', 'hit-inplace')]).toEqual(['1.1', null, undefined, undefined]);
  });

  it('groups the refs of one app by instance', () => {
    const dotted = new Map([
      ['servers.server.inst1.application-ref.hit:1.0.enabled', 'false'],
      ['servers.server.inst1.application-ref.hit:1.1.enabled', 'true'],
      ['servers.server.inst2.application-ref.other.enabled', 'true'],
      ['servers.server.server.application-ref.__admingui.enabled', 'true'],
    ]);
    const refs = refsByInstance('hit', dotted);
    expect([...refs.keys()]).toEqual(['inst1']);
    expect([...(refs.get('inst1') ?? [])]).toEqual([
      ['hit:1.0', false],
      ['hit:1.1', true],
    ]);
  });

  it('builds deploy arguments: versioned beside, unversioned in place', () => {
    const cmd = { app: 'hit', version: '1.1', artifact: '/w/hit.war', cluster: 'dg1', contextRoot: '/hit', enabled: false, versioned: true };
    expect(deployArgs(cmd)).toEqual(['deploy', '--target', 'dg1', '--name', 'hit:1.1', '--contextroot', '/hit', '--enabled=false', '--description', 'turnout-version=1.1', '/w/hit.war']);
    expect(deployArgs({ ...cmd, versioned: false, enabled: true })).toContain('--force=true');
    expect(deployedName('hit', '1.1', false)).toBe('hit');
  });
});

describe('file session store names', () => {
  it("finds an app's store folders and names a version's", () => {
    expect(storeNamesOf('hit', ['hit~1.1', 'hit', 'hitx', '__default-web-module-server', 'hit~1.0'])).toEqual(['hit', 'hit~1.0', 'hit~1.1']);
    expect(storeNameOf('hit:1.1')).toBe('hit~1.1');
  });
});

describe('the asadmin client JVM', () => {
  it('runs with C1 only and the serial collector, the caller\'s own AS_EXTRA_JAVA_OPTS after them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-fake-asadmin-'));
    const bin = path.join(dir, 'asadmin');
    writeFileSync(bin, '#!/bin/sh\necho "$AS_EXTRA_JAVA_OPTS"\n', { mode: 0o755 });
    try {
      const target = { command: [bin], host: '127.0.0.1', port: 1, user: 'admin' };
      expect(await runAsadmin(target, ['version'], { env: { PATH: process.env.PATH } })).toBe('-XX:TieredStopAtLevel=1 -XX:+UseSerialGC');
      expect(await runAsadmin(target, ['version'], { env: { PATH: process.env.PATH, AS_EXTRA_JAVA_OPTS: '-XX:TieredStopAtLevel=4' } })).toBe('-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:TieredStopAtLevel=4');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
