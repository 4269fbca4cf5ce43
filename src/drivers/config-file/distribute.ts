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
