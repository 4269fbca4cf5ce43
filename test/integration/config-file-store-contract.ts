/**
 * The contract every configuration-file store passes, for plugin-cfg.xml and loadbalancer.xml alike
 * (DESIGN: one shared contract suite per driver kind). Call `configFileStoreContract` from a test file with a factory that brings up a real store whose
 * files live in a directory on this machine (for SSH: a real sshd on loopback), so the suite can
 * look at the files directly: inodes, leftovers, and a reader racing the writes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ConfigFileStore } from '../../src/drivers/config-file';
import { waitFor } from '../../src/lab/process-utils';

/** A store implementation under test. */
export interface ConfigFileStoreUnderTest {
  /** A directory on this machine that the stores reach (directly, or through ssh on 127.0.0.1). */
  dir: string;
  /** A store for the file `name` (relative, may contain `/`) under `dir`. */
  storeAt(name: string): ConfigFileStore;
  cleanup(): Promise<void>;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A plugin-cfg.xml-like file of exactly `size` bytes, every byte after the header depending on `fill`. */
function bigConfig(fill: string, size: number): Buffer {
  const head = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>\n<Config RefreshInterval="60"><!-- ${fill} `);
  const tail = Buffer.from(' --></Config>\n');
  return Buffer.concat([head, Buffer.alloc(size - head.length - tail.length, fill), tail]);
}

// Runs in a worker thread, so its tight loop races the writes of the main thread (and of ssh).
const readerSource = `
const { readFileSync } = require('node:fs');
const { workerData, parentPort } = require('node:worker_threads');
const { path, a, b, control } = workerData;
const ctl = new Int32Array(control);
const A = Buffer.from(a), B = Buffer.from(b);
const seen = { a: 0, b: 0, missing: 0, other: 0, otherLengths: [] };
while (Atomics.load(ctl, 0) === 0) {
  let bytes = null;
  try { bytes = readFileSync(path); } catch (err) { if (err.code !== 'ENOENT') throw err; }
  if (bytes === null) seen.missing++;
  else if (bytes.equals(A)) seen.a++;
  else if (bytes.equals(B)) seen.b++;
  else { seen.other++; if (seen.otherLengths.length < 10) seen.otherLengths.push(bytes.length); }
  Atomics.add(ctl, 1, 1);
}
parentPort.postMessage(seen);
`;

interface ReaderResult {
  a: number;
  b: number;
  missing: number;
  other: number;
  otherLengths: number[];
}

/** Starts the racing reader; `reads()` counts its completed reads, `stop()` returns what it saw. */
function startReader(path: string, a: Buffer, b: Buffer): { reads(): number; stop(): Promise<ReaderResult> } {
  const control = new SharedArrayBuffer(8);
  const ctl = new Int32Array(control);
  const worker = new Worker(readerSource, { eval: true, workerData: { path, a, b, control } });
  const result = new Promise<ReaderResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    reads: () => Atomics.load(ctl, 1),
    stop: async () => {
      Atomics.store(ctl, 0, 1);
      const seen = await result;
      await worker.terminate();
      return seen;
    },
  };
}

/** Defines the contract tests for one implementation. */
export function configFileStoreContract(name: string, factory: () => Promise<ConfigFileStoreUnderTest>): void {
  describe(`config-file store contract: ${name}`, () => {
    let sut: ConfigFileStoreUnderTest;
    let caseNo = 0;
    // Each test gets its own directory, so leftovers of one never hide or fake those of another.
    const freshDir = (): string => {
      const sub = `case-${++caseNo}`;
      mkdirSync(join(sut.dir, sub));
      return sub;
    };

    beforeAll(async () => {
      sut = await factory();
    });
    afterAll(async () => sut?.cleanup());

    it('reads a missing file as null', async () => {
      const sub = freshDir();
      await expect(sut.storeAt(`${sub}/plugin-cfg.xml`).read()).resolves.toBeNull();
    });

    it('writes the bytes, reads them back, and reports their sha256', async () => {
      const sub = freshDir();
      const store = sut.storeAt(`${sub}/plugin-cfg.xml`);
      const bytes = Buffer.from('<?xml version="1.0"?>\n<Config RefreshInterval="60">\u00e9\u0000\xff</Config>\n', 'latin1');
      const result = await store.write(bytes);
      expect(result).toEqual({ changed: true, sha256: sha256(bytes) });
      expect(await store.read()).toEqual(bytes);
      expect(sha256(readFileSync(join(sut.dir, sub, 'plugin-cfg.xml')))).toBe(result.sha256);
      expect(readdirSync(join(sut.dir, sub))).toEqual(['plugin-cfg.xml']);
    });

    it('does not touch a file that already holds the bytes', async () => {
      const sub = freshDir();
      const store = sut.storeAt(`${sub}/plugin-cfg.xml`);
      const bytes = Buffer.from('<Config RefreshInterval="60"/>\n');
      await store.write(bytes);
      const before = statSync(join(sut.dir, sub, 'plugin-cfg.xml'), { bigint: true });
      expect(await store.write(Buffer.from(bytes))).toEqual({ changed: false, sha256: sha256(bytes) });
      const after = statSync(join(sut.dir, sub, 'plugin-cfg.xml'), { bigint: true });
      expect({ ino: after.ino, mtime: after.mtimeNs, ctime: after.ctimeNs }).toEqual({ ino: before.ino, mtime: before.mtimeNs, ctime: before.ctimeNs });
    });

    it('replaces a different file, leaving no temp files behind', async () => {
      const sub = freshDir();
      const store = sut.storeAt(`${sub}/plugin-cfg.xml`);
      await store.write(Buffer.from('<Config RefreshInterval="60">old</Config>'));
      const next = Buffer.from('<Config RefreshInterval="60">new</Config>');
      expect(await store.write(next)).toEqual({ changed: true, sha256: sha256(next) });
      expect(readFileSync(join(sut.dir, sub, 'plugin-cfg.xml'))).toEqual(next);
      expect(readdirSync(join(sut.dir, sub))).toEqual(['plugin-cfg.xml']);
    });

    it('replaces the file atomically: a reader racing many writes sees only whole old or whole new files', async () => {
      const sub = freshDir();
      const path = join(sut.dir, sub, 'plugin-cfg.xml');
      const store = sut.storeAt(`${sub}/plugin-cfg.xml`);
      const a = bigConfig('a', 1 << 20);
      const b = bigConfig('b', 1 << 20);
      await store.write(a);
      const reader = startReader(path, a, b);
      try {
        for (let i = 0; i < 10; i++) {
          await store.write(i % 2 === 0 ? b : a);
          // Two more completed reads: at least one of them started after this write returned.
          const target = reader.reads() + 2;
          await waitFor(() => reader.reads() >= target, 60_000, 'the reader thread stopped reading', 1);
        }
      } finally {
        const seen = await reader.stop();
        expect(seen).toEqual(expect.objectContaining({ missing: 0, other: 0, otherLengths: [] }));
        expect(seen.a).toBeGreaterThan(0);
        expect(seen.b).toBeGreaterThan(0);
      }
      expect(readdirSync(join(sut.dir, sub))).toEqual(['plugin-cfg.xml']);
    });

    it('refuses to write into a missing directory, naming it, and creates nothing', async () => {
      const sub = freshDir();
      const write = sut.storeAt(`${sub}/no-such-dir/plugin-cfg.xml`).write(Buffer.from('<Config/>'));
      await expect(write).rejects.toThrow(`${join(sut.dir, sub, 'no-such-dir')} does not exist`);
      expect(readdirSync(join(sut.dir, sub))).toEqual([]);
    });

    it('refuses to replace a directory, leaving nothing behind', async () => {
      const sub = freshDir();
      mkdirSync(join(sut.dir, sub, 'plugin-cfg.xml'));
      await expect(sut.storeAt(`${sub}/plugin-cfg.xml`).write(Buffer.from('<Config/>'))).rejects.toThrow(join(sut.dir, sub, 'plugin-cfg.xml'));
      expect(readdirSync(join(sut.dir, sub))).toEqual(['plugin-cfg.xml']);
      expect(readdirSync(join(sut.dir, sub, 'plugin-cfg.xml'))).toEqual([]);
    });

    it('handles paths with spaces, quotes and shell syntax literally', async () => {
      const sub = freshDir();
      const odd = `it's a "plug-in" dir; $(echo x) \`echo y\` *`;
      mkdirSync(join(sut.dir, sub, odd));
      const store = sut.storeAt(`${sub}/${odd}/plugin cfg.xml`);
      const bytes = Buffer.from('<Config RefreshInterval="5"/>\n');
      expect(await store.write(bytes)).toEqual({ changed: true, sha256: sha256(bytes) });
      expect(await store.read()).toEqual(bytes);
      expect(readdirSync(join(sut.dir, sub, odd))).toEqual(['plugin cfg.xml']);
      expect(readdirSync(join(sut.dir, sub))).toEqual([odd]);
    });
  });
}
