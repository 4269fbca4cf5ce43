import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driversFor } from '../../src/drivers';
import { createLocalConfigFileStore, DistributionError, distributeIdentical, readIdentical, writeAllOrNothing, writeEvery, type ConfigFileStore, type NamedConfigFileStore } from '../../src/drivers/config-file';
import { PluginCfgStoreError } from '../../src/drivers/web-tier';
import { estateSchema } from '../../src/model/estate';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'turnout-distribute-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function local(name: string): NamedConfigFileStore {
  mkdirSync(join(dir, name), { recursive: true });
  return { name, store: createLocalConfigFileStore(join(dir, name, 'loadbalancer.xml'), { label: 'loadbalancer.xml' }) };
}

/** A store that writes something other than it was given, as a disk or a script gone wrong would. */
function corrupting(inner: ConfigFileStore): ConfigFileStore {
  return { read: () => inner.read(), write: async (bytes) => (await inner.write(Buffer.concat([bytes, Buffer.from('x')])), { changed: true, sha256: sha(bytes) }) };
}

describe('distributeIdentical', () => {
  const v1 = Buffer.from('<loadbalancer name="lb"/>\n');
  const v2 = Buffer.from('<loadbalancer name="lb2"/>\n');

  it('writes every copy, reads each back, and says which ones changed', async () => {
    const stores = [local('lb1'), local('lb2')];
    expect(await distributeIdentical(stores, v1)).toEqual({ sha256: sha(v1), changed: ['lb1', 'lb2'] });
    for (const s of ['lb1', 'lb2']) expect(readFileSync(join(dir, s, 'loadbalancer.xml'))).toEqual(v1);
    writeFileSync(join(dir, 'lb2', 'loadbalancer.xml'), v2);
    expect(await distributeIdentical(stores, v1)).toEqual({ sha256: sha(v1), changed: ['lb2'] });
    expect(await distributeIdentical(stores, v1)).toEqual({ sha256: sha(v1), changed: [] });
  });

  it('tries every write, then throws naming each copy that does not hold the bytes', async () => {
    const ok = local('lb1');
    const missingDir = { name: 'lb2', store: createLocalConfigFileStore(join(dir, 'nowhere', 'loadbalancer.xml'), { label: 'loadbalancer.xml' }) };
    const bad = local('lb3');
    const run = distributeIdentical([ok, missingDir, { name: 'lb3', store: corrupting(bad.store) }], v1);
    await expect(run).rejects.toThrow(DistributionError);
    const err = (await run.catch((e: unknown) => e)) as DistributionError;
    expect(err).toBeInstanceOf(PluginCfgStoreError);
    expect(err.message).toMatch(/^2 of 3 copies do not hold [0-9a-f]{12} after distributing: lb2: write failed: cannot write loadbalancer.xml .*nowhere.* does not exist; lb3: [0-9a-f]{12}$/);
    expect(err.states.map((s) => [s.name, s.sha256 === sha(v1)])).toEqual([
      ['lb1', true],
      ['lb2', false],
      ['lb3', false],
    ]);
    expect(readFileSync(join(dir, 'lb1', 'loadbalancer.xml'))).toEqual(v1);
  });

  it('refuses an empty list', async () => {
    await expect(distributeIdentical([], v1)).rejects.toThrow('no stores to distribute to');
  });
});

describe('readIdentical', () => {
  it('returns the one file all copies hold, and refuses copies that differ or are missing', async () => {
    const stores = [local('lb1'), local('lb2')];
    await expect(readIdentical(stores)).rejects.toThrow('the copies differ: lb1: no file; lb2: no file');
    const bytes = Buffer.from('<loadbalancer name="lb"/>\n');
    await distributeIdentical(stores, bytes);
    expect(await readIdentical(stores)).toEqual({ bytes, sha256: sha(bytes) });
    writeFileSync(join(dir, 'lb2', 'loadbalancer.xml'), 'other');
    await expect(readIdentical(stores)).rejects.toThrow(/the copies differ: lb1: [0-9a-f]{12}; lb2: [0-9a-f]{12}/);
  });
});

describe('Drivers.loadBalancerXml', () => {
  const estate = estateSchema.parse(JSON.parse(readFileSync(join(__dirname, '..', '..', 'estates', 'lab-lb.json'), 'utf8')));

  it("writes the named balancer's file, resolving the estate's relative path against baseDir", async () => {
    const drivers = driversFor(estate, { baseDir: dir });
    mkdirSync(join(dir, '.turnout', 'lab', 'lb2'), { recursive: true });
    await drivers.loadBalancerXml('lb2').write(Buffer.from('<loadbalancer name="x"/>'));
    expect(readFileSync(join(dir, '.turnout', 'lab', 'lb2', 'loadbalancer.xml'), 'utf8')).toBe('<loadbalancer name="x"/>');
    expect(drivers.loadBalancerXmls().map((s) => s.name)).toEqual(['lb1', 'lb2']);
  });

  it('names the known balancers, and says when the estate has none', async () => {
    expect(() => driversFor(estate).loadBalancerXml('lb9')).toThrow('no load balancer named lb9 in the estate (known: lb1, lb2)');
    const { loadBalancers: _, ...without } = estate;
    expect(() => driversFor(without).loadBalancerXml('lb1')).toThrow('the estate lab-lb has no loadBalancers section');
    expect(() => driversFor(without).loadBalancerXmls()).toThrow('has no loadBalancers section');
    await expect(driversFor(estate, { baseDir: dir }).loadBalancerXml('lb1').write(Buffer.from('x'))).rejects.toThrow(/^cannot write loadbalancer.xml .*lb1\/loadbalancer.xml: directory .* does not exist$/);
  });
});

/** A store that answers nothing, as an HTTP server whose sshd is stopped. */
function unreachable(name: string): NamedConfigFileStore {
  const fail = () => Promise.reject(new Error(`ssh to ${name} failed: Connection refused`));
  return { name, store: { read: fail, write: fail } };
}

/** A store that reads fine but whose writes fail, as one whose sshd stops between the read and the write. */
function refusingWrites(inner: NamedConfigFileStore): NamedConfigFileStore {
  return { name: inner.name, store: { read: () => inner.store.read(), write: () => Promise.reject(new Error('scp failed: Connection closed')) } };
}

describe('writeAllOrNothing and writeEvery', () => {
  const start = Buffer.from('<Config RefreshInterval="2"/>\n');
  const next = Buffer.from('<Config RefreshInterval="2"><Server/></Config>\n');
  const file = (name: string): Buffer => readFileSync(join(dir, name, 'loadbalancer.xml'));

  function seeded(...names: string[]): NamedConfigFileStore[] {
    return names.map((n) => {
      const s = local(n);
      writeFileSync(join(dir, n, 'loadbalancer.xml'), start);
      return s;
    });
  }

  it('writes every store, or stops before any write when one cannot be read', async () => {
    const [a, b] = seeded('web1', 'web2') as [NamedConfigFileStore, NamedConfigFileStore];
    const err = (await writeAllOrNothing([a, unreachable('web3'), b], () => next).catch((e: unknown) => e)) as DistributionError;
    expect(err).toBeInstanceOf(DistributionError);
    expect(err.message).toBe('nothing was written: 1 of 3 could not be read first (web3: ssh to web3 failed: Connection refused)');
    expect([file('web1'), file('web2')]).toEqual([start, start]);
    expect(await writeAllOrNothing([a, b], () => next)).toEqual([
      { name: 'web1', changed: true, sha256: sha(next) },
      { name: 'web2', changed: true, sha256: sha(next) },
    ]);
  });

  it('puts back the stores it changed when a write fails after the reads', async () => {
    const [a, b] = seeded('web1', 'web2') as [NamedConfigFileStore, NamedConfigFileStore];
    const err = (await writeAllOrNothing([a, refusingWrites(b)], () => next).catch((e: unknown) => e)) as DistributionError;
    expect(err.message).toBe('1 of 2 could not be written (web2: write failed: scp failed: Connection closed); put back: web1');
    expect([file('web1'), file('web2')]).toEqual([start, start]);
  });

  it('restores every store it can reach, then names the ones it could not', async () => {
    const [a, b] = seeded('web1', 'web2') as [NamedConfigFileStore, NamedConfigFileStore];
    await writeEvery([a, b], () => next);
    const err = (await writeEvery([unreachable('web0'), a, b], (n) => (n === 'web2' ? null : start)).catch((e: unknown) => e)) as DistributionError;
    expect(err.message).toBe('1 of 2 could not be written (web0: write failed: ssh to web0 failed: Connection refused); written: web1');
    expect([file('web1'), file('web2')]).toEqual([start, next]);
  });
});
