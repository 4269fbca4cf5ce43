import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEstateCache, estateHash, resolvingRefs } from '../../activities/estate-refs';
import { canonicalJson, contentHash, sha256OfBytes } from '../../src/model/content-hash';
import { estateRefOf, isEstateRef } from '../../src/model/estate-ref';
import { createLocalBlobStore } from '../../src/drivers/blob-store/local-blob-store';
import { labEstateForTest } from '../support/lab-estate';

const dir = mkdtempSync(path.join(os.tmpdir(), 'turnout-estate-refs-'));
const estate = labEstateForTest(0, dir);
const blobs = createLocalBlobStore(path.join(dir, 'blobs'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the content hash workflows compute without node:crypto', () => {
  it('is SHA-256: equal to node:crypto on lengths around every padding boundary', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 70_001]) {
      const bytes = randomBytes(length);
      expect({ length, hash: sha256OfBytes(bytes) }).toEqual({ length, hash: createHash('sha256').update(bytes).digest('hex') });
    }
    expect(sha256OfBytes(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('does not depend on key order, and drops undefined fields as JSON does', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }] })).toBe('{"a":[{"c":"x"}],"b":1}');
    const reverse = (v: unknown): unknown => (Array.isArray(v) ? v.map(reverse) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v);
    const reordered = reverse(estate) as typeof estate;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(estate));
    expect(contentHash(reordered)).toBe(contentHash(estate));
    expect(estateHash(estate)).toBe(contentHash(estate));
    expect(contentHash({ ...estate, name: 'other' })).not.toBe(contentHash(estate));
  });
});

describe('activities given an estate by reference', () => {
  const seen: unknown[] = [];
  const activities = {
    resolveEstate: async () => estate,
    snapshotRouting: async (e: unknown) => (seen.push(e), 'ok'),
    routeCell: async (input: { estate: unknown; cell: string }) => (seen.push(input), 'ok'),
  };

  beforeEach(() => (seen.length = 0));

  it('get the estate back, as an argument and as an argument field, once resolveEstate ran on this worker', async () => {
    const wrapped = resolvingRefs(activities, { estates: createEstateCache(undefined), blobs });
    await wrapped.resolveEstate();
    const ref = estateRefOf(estate);
    expect(isEstateRef(ref)).toBe(true);
    await wrapped.snapshotRouting(ref);
    await wrapped.routeCell({ estate: ref, cell: 'X' });
    expect(seen).toEqual([estate, { estate, cell: 'X' }]);
  });

  it('pass inline estates and other arguments through untouched', async () => {
    const wrapped = resolvingRefs(activities, { estates: createEstateCache(undefined), blobs });
    await wrapped.routeCell({ estate, cell: 'Y' });
    expect(seen).toEqual([{ estate, cell: 'Y' }]);
  });

  it('fail without retry, naming the estate, when the hash is not cached and nobody can be asked', async () => {
    const wrapped = resolvingRefs(activities, { estates: createEstateCache(undefined), blobs });
    await expect(wrapped.snapshotRouting(estateRefOf(estate))).rejects.toMatchObject({ nonRetryable: true, message: expect.stringContaining(`estate ${estate.name}`) });
  });

  it('keep only the last estates', async () => {
    const cache = createEstateCache(undefined, 2);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => ({ ...estate, name }));
    for (const e of [a!, b!, c!]) cache.remember(e);
    await expect(cache.resolve(estateRefOf(c!))).resolves.toBe(c);
    await expect(cache.resolve(estateRefOf(b!))).resolves.toBe(b);
    await expect(cache.resolve(estateRefOf(a!))).rejects.toThrow(/not cached/);
  });
});

describe('blobs', () => {
  it('are stored once by hash and read back as text, also from deep inside an activity argument', async () => {
    const text = '<Config>\u00e9</Config>';
    const ref = await blobs.putText(text);
    expect(await blobs.putText(text)).toEqual(ref);
    expect(ref.blobRef).toEqual({ sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) });
    const got: unknown[] = [];
    const wrapped = resolvingRefs({ distribute: async (input: unknown) => got.push(input) }, { estates: createEstateCache(undefined), blobs });
    await wrapped.distribute({ estate: estateRefOf(estate), expected: { pluginCfg: { generated: ref, stage: 'final' } }, list: [ref, 'x'] }).catch(() => undefined);
    await wrapped.distribute({ expected: { pluginCfg: { generated: ref, stage: 'final' } }, list: [ref, 'x'] });
    expect(got).toEqual([{ expected: { pluginCfg: { generated: text, stage: 'final' } }, list: [text, 'x'] }]);
  });

  it('refuse a blob whose file no longer matches its hash, and name the variable when one is missing', async () => {
    const ref = await blobs.putText('original');
    writeFileSync(path.join(dir, 'blobs', ref.blobRef.sha256.slice(0, 2), ref.blobRef.sha256), 'changed');
    await expect(blobs.getText(ref)).rejects.toThrow(/does not match its hash/);
    await expect(blobs.getText({ blobRef: { sha256: 'f'.repeat(64), bytes: 1 } })).rejects.toThrow(/TURNOUT_BLOBS/);
  });
});
