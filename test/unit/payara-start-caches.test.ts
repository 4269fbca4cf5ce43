import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { payaraCds } from '../../src/lab/payara/payara-cds';
import { payaraOsgiSeeds } from '../../src/lab/payara/payara-osgi-seeds';
import type { PayaraDomainPlan } from '../../src/lab/payara/payara-layout';

const instance = (name: string, group: string) => ({ name, group, jvmRoute: name, portBase: 1, httpPort: 2, hazelcastPort: 3 });
const plan = {
  domain: 'payara',
  node: 'localhost-payara',
  dasPortBase: 1,
  adminPort: 2,
  groups: ['spare', 'dg1'],
  activeGroups: ['dg1'],
  instances: [instance('spare1', 'spare'), instance('instance1', 'dg1'), instance('instance2', 'dg1')],
  settings: { dasHeapMb: 384, instanceHeapMb: 256 },
} as PayaraDomainPlan;

/** What a lab JVM leaves when it exits recording: a real dynamic archive, written by a real JVM. */
function recordArchive(file: string): void {
  execFileSync('java', ['-XX:+UnlockDiagnosticVMOptions', '-XX:+AllowArchivingWithJavaAgent', `-XX:ArchiveClassesAtExit=${file}`, '-version'], { cwd: os.tmpdir(), stdio: 'ignore' });
}

describe('class-data-sharing archives of the Payara lab', () => {
  let cache: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    cache = mkdtempSync(path.join(os.tmpdir(), 'turnout-cds-'));
    env = { PATH: process.env.PATH, TURNOUT_CACHE_DIR: cache };
  });
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it('records while an archive is missing (the DAS, the first active instance only), keeps a sound recording and drops a truncated one, then maps what it kept', async () => {
    const first = payaraCds('/opt/payara6', plan, env);
    expect(first.recording).toBe(true);
    const das = first.use('server-config');
    const inst = first.use('instance1-config');
    expect([das?.kind, inst?.kind, first.use('instance2-config'), first.use('spare1-config')]).toEqual(['record', 'record', null, null]);
    recordArchive(das?.file as string);
    recordArchive(inst?.file as string);
    // A JVM killed while it wrote: the first pages only. Mapping it would kill the JVM that maps it.
    writeFileSync(inst?.file as string, readFileSync(inst?.file as string).subarray(0, 4096));
    const done = await first.commit();
    expect(done).toEqual([expect.stringMatching(/^das\.jsa: recorded \(\d+ bytes\)$/), 'instance.jsa: recording unsound, dropped']);
    const dir = path.dirname(das?.file as string);
    expect(readdirSync(dir).sort()).toEqual(['das.jsa']);

    const second = payaraCds('/opt/payara6', plan, env);
    expect(second.use('server-config')).toEqual({ kind: 'use', file: path.join(dir, 'das.jsa') });
    expect(second.use('instance1-config')?.kind).toBe('record');
    expect(await second.commit()).toEqual([]);
  });

  it('keeps archives apart per install, and does nothing when TURNOUT_PAYARA_CDS=0', () => {
    const a = payaraCds('/opt/a/payara6', plan, env).use('server-config');
    const b = payaraCds('/opt/b/payara6', plan, env).use('server-config');
    expect(path.dirname(a?.file as string)).not.toBe(path.dirname(b?.file as string));
    const off = payaraCds('/opt/a/payara6', plan, { ...env, TURNOUT_PAYARA_CDS: '0' });
    expect([off.recording, off.use('server-config'), off.use('instance1-config')]).toEqual([false, null, null]);
    expect(existsSync(path.join(cache, 'payara-lab', 'cds')) && readdirSync(path.join(cache, 'payara-lab', 'cds')).length).toBe(2);
  });
});

const cacheOf = (payaraDir: string, jvm: string) => (jvm === 'das' ? path.join(payaraDir, 'payara', 'osgi-cache') : path.join(payaraDir, 'nodes', 'localhost-payara', jvm, 'osgi-cache'));
function fillCache(payaraDir: string, jvm: string, text: string): void {
  mkdirSync(path.join(cacheOf(payaraDir, jvm), 'felix', 'bundle1'), { recursive: true });
  writeFileSync(path.join(cacheOf(payaraDir, jvm), 'felix', 'bundle1', 'bundle.info'), text);
}
const bundleInfo = (payaraDir: string, jvm: string) => readFileSync(path.join(cacheOf(payaraDir, jvm), 'felix', 'bundle1', 'bundle.info'), 'utf8');

describe('OSGi cache seeds of the Payara lab', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'turnout-osgi-'));
    env = { PATH: process.env.PATH, TURNOUT_CACHE_DIR: path.join(root, 'cache') };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("keeps the DAS's and the first active instance's caches once, then plants them in every active JVM without a cache of its own", () => {
    const first = path.join(root, 'lab1');
    expect(payaraOsgiSeeds('/opt/payara6', plan, first, env).plant()).toEqual([]);
    fillCache(first, 'das', 'das-1');
    fillCache(first, 'instance1', 'instance-1');
    fillCache(first, 'instance2', 'instance-2');
    expect(payaraOsgiSeeds('/opt/payara6', plan, first, env).keep()).toEqual(['das', 'instance']);
    fillCache(first, 'instance1', 'instance-1-later');
    expect(payaraOsgiSeeds('/opt/payara6', plan, first, env).keep()).toEqual([]);

    const next = path.join(root, 'lab2');
    fillCache(next, 'instance2', 'its-own');
    expect(payaraOsgiSeeds('/opt/payara6', plan, next, env).plant()).toEqual(['das', 'instance1']);
    expect([bundleInfo(next, 'das'), bundleInfo(next, 'instance1'), bundleInfo(next, 'instance2')]).toEqual(['das-1', 'instance-1', 'its-own']);
    expect(existsSync(cacheOf(next, 'spare1'))).toBe(false);
  });

  it('seeds nothing for another install, or when TURNOUT_PAYARA_OSGI_SEEDS=0', () => {
    const lab = path.join(root, 'lab1');
    fillCache(lab, 'das', 'das-1');
    fillCache(lab, 'instance1', 'instance-1');
    payaraOsgiSeeds('/opt/payara6', plan, lab, env).keep();
    const other = path.join(root, 'lab2');
    expect(payaraOsgiSeeds('/opt/elsewhere/payara6', plan, other, env).plant()).toEqual([]);
    expect(payaraOsgiSeeds('/opt/payara6', plan, other, { ...env, TURNOUT_PAYARA_OSGI_SEEDS: '0' }).plant()).toEqual([]);
  });
});
