/**
 * One file to many stores, verified: seed 004 requires every load balancer's loadbalancer.xml to be
 * identical ("Using Multiple Load Balancers"), and turnout counts a change as made only once it has
 * read every copy back and found the same sha256 in all of them.
 */
import { ConfigFileStoreError, sha256Hex, type ConfigFileStore, type ConfigFileWrite } from './config-file-store';

/** A store with the name messages use for it (the load balancer's or HTTP server's name). */
export interface NamedConfigFileStore {
  name: string;
  store: ConfigFileStore;
}

/** What one store holds after a distribution: its file's sha256 (null: no file), or why it could not be read. */
export interface StoreState {
  name: string;
  sha256: string | null;
  /** Set when the write or the read-back failed. */
  error?: string;
}

/** A distribution that went through: every store holds `sha256`. */
export interface Distribution {
  sha256: string;
  /** The stores whose file was replaced; the others already held these bytes. */
  changed: string[];
}

/** Not every store holds the bytes; `states` says what each one holds, so a retry or a person knows where to look. */
export class DistributionError extends ConfigFileStoreError {
  constructor(
    message: string,
    readonly states: readonly StoreState[],
  ) {
    super(message);
    this.name = 'DistributionError';
  }
}

const text = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const short = (sha: string | null): string => (sha === null ? 'no file' : sha.slice(0, 12));

/** Reads every store; a store that cannot be read carries its error instead of a hash. */
async function statesOf(stores: readonly NamedConfigFileStore[]): Promise<{ state: StoreState; bytes: Buffer | null }[]> {
  return Promise.all(
    stores.map(async ({ name, store }) => {
      try {
        const bytes = await store.read();
        return { state: { name, sha256: bytes ? sha256Hex(bytes) : null }, bytes };
      } catch (err) {
        return { state: { name, sha256: null, error: text(err) }, bytes: null };
      }
    }),
  );
}

function describe(states: readonly StoreState[]): string {
  return states.map((s) => `${s.name}: ${s.error ?? short(s.sha256)}`).join('; ');
}

/**
 * Writes `bytes` to every store at once (so the copies differ for as short a time as possible),
 * then reads every one back. Resolves only when all of them hold exactly `bytes`; otherwise throws
 * a {@link DistributionError} naming each store's state, after every write has been tried.
 * Idempotent: stores that already hold the bytes are not touched.
 */
export async function distributeIdentical(stores: readonly NamedConfigFileStore[], bytes: Buffer): Promise<Distribution> {
  if (stores.length === 0) throw new ConfigFileStoreError('no stores to distribute to');
  const wanted = sha256Hex(bytes);
  const writes = await Promise.allSettled(stores.map(({ store }) => store.write(bytes)));
  const read = await statesOf(stores);
  const states = read.map(({ state }, i) => {
    const write = writes[i] as PromiseSettledResult<ConfigFileWrite>;
    return write.status === 'rejected' ? { ...state, error: `write failed: ${text(write.reason)}` } : state;
  });
  const bad = states.filter((s) => s.error !== undefined || s.sha256 !== wanted);
  if (bad.length > 0) throw new DistributionError(`${bad.length} of ${stores.length} copies do not hold ${short(wanted)} after distributing: ${describe(bad)}`, states);
  return { sha256: wanted, changed: stores.filter((_, i) => (writes[i] as PromiseFulfilledResult<ConfigFileWrite>).value.changed).map((s) => s.name) };
}

/**
 * Reads every store and returns the one file they all hold. Throws a {@link DistributionError}
 * when a copy is missing, unreadable or different: editing one copy of files that must be
 * identical would spread whatever the others lack.
 */
export async function readIdentical(stores: readonly NamedConfigFileStore[]): Promise<{ bytes: Buffer; sha256: string }> {
  if (stores.length === 0) throw new ConfigFileStoreError('no stores to read');
  const read = await statesOf(stores);
  const states = read.map((r) => r.state);
  const first = read[0];
  const same = first?.bytes && states.every((s) => s.error === undefined && s.sha256 === first.state.sha256);
  if (!same || !first?.bytes) throw new DistributionError(`the copies differ: ${describe(states)}`, states);
  return { bytes: first.bytes, sha256: first.state.sha256 as string };
}

/** One store's write in {@link writeAllOrNothing} and {@link writeEvery}. */
export interface StoreWrite {
  name: string;
  changed: boolean;
  sha256: string;
}

/** The bytes each store should hold, by its name; null leaves that store alone. */
export type BytesFor = (name: string) => Buffer | null;

type Settled = { name: string; store: ConfigFileStore; write: PromiseSettledResult<ConfigFileWrite> };

async function writeSettled(stores: readonly NamedConfigFileStore[], bytesFor: BytesFor): Promise<Settled[]> {
  const wanted = stores.flatMap(({ name, store }) => {
    const bytes = bytesFor(name);
    return bytes === null ? [] : [{ name, store, bytes }];
  });
  const writes = await Promise.allSettled(wanted.map(({ store, bytes }) => store.write(bytes)));
  return wanted.map(({ name, store }, i) => ({ name, store, write: writes[i] as PromiseSettledResult<ConfigFileWrite> }));
}

function written(settled: readonly Settled[]): StoreWrite[] {
  return settled.flatMap(({ name, write }) => (write.status === 'fulfilled' ? [{ name, changed: write.value.changed, sha256: write.value.sha256 }] : []));
}

function failedWrites(settled: readonly Settled[]): StoreState[] {
  return settled.flatMap(({ name, write }) => (write.status === 'rejected' ? [{ name, sha256: null, error: `write failed: ${text(write.reason)}` }] : []));
}

/**
 * Writes every store, all at once, and tries every one whatever the others do: a rollback's files
 * go back wherever they can. Throws a {@link DistributionError} naming each store that could not be
 * written, after the others were.
 */
export async function writeEvery(stores: readonly NamedConfigFileStore[], bytesFor: BytesFor): Promise<StoreWrite[]> {
  const settled = await writeSettled(stores, bytesFor);
  const failed = failedWrites(settled);
  if (failed.length > 0) {
    const done = written(settled).map((w) => w.name);
    throw new DistributionError(`${failed.length} of ${settled.length} could not be written (${describe(failed)}); written: ${done.join(', ') || 'none'}`, failed);
  }
  return written(settled);
}

/**
 * Writes every store or none, as far as anyone can see: every store is read first, and one that
 * cannot be read stops the distribution before any write. If a write then fails anyway, the stores
 * already changed get their earlier bytes back before this throws. Either way it throws a
 * {@link DistributionError} that says what each store holds, so a retry (or a person) starts from
 * one state, not half of two.
 */
export async function writeAllOrNothing(stores: readonly NamedConfigFileStore[], bytesFor: BytesFor): Promise<StoreWrite[]> {
  const before = await statesOf(stores);
  const unreadable = before.filter((b) => b.state.error !== undefined).map((b) => b.state);
  if (unreadable.length > 0) throw new DistributionError(`nothing was written: ${unreadable.length} of ${stores.length} could not be read first (${describe(unreadable)})`, unreadable);
  const settled = await writeSettled(stores, bytesFor);
  const failed = failedWrites(settled);
  if (failed.length === 0) return written(settled);
  const earlier = new Map(stores.map((s, i) => [s.name, before[i]?.bytes ?? null]));
  const changed = settled.filter(({ write }) => write.status === 'fulfilled' && write.value.changed);
  // A store that had no file keeps the new one: the store interface writes files, it does not delete them.
  const putBack = await Promise.allSettled(changed.map(({ name, store }) => putBackEarlier(store, name, earlier.get(name) ?? null)));
  const notBack = changed.filter((_, i) => putBack[i]?.status === 'rejected').map((c) => c.name);
  const back = changed.map((c) => c.name).filter((n) => !notBack.includes(n));
  const outcome = `${back.length ? `put back: ${back.join(', ')}` : 'nothing else had changed'}${notBack.length ? `; NOT put back (they hold the new bytes): ${notBack.join(', ')}` : ''}`;
  throw new DistributionError(`${failed.length} of ${settled.length} could not be written (${describe(failed)}); ${outcome}`, failed);
}

async function putBackEarlier(store: ConfigFileStore, name: string, bytes: Buffer | null): Promise<void> {
  if (bytes === null) throw new ConfigFileStoreError(`${name} had no file before`);
  await store.write(bytes);
}
