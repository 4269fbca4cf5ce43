/**
 * The worker's side of estates passed by reference (workflows/estate-refs.ts): each activity's
 * arguments get their estate back before the activity runs, from a small cache by content hash,
 * else from the rollout itself through its `estateByHash` query. Queries write nothing to history,
 * and any worker can ask, so a worker that starts mid-rollout resolves what another cached.
 * Generated files travel the same way, as blob references resolved from the blob store.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Estate } from '../src/model';
import { canonicalJson } from '../src/model/content-hash';
import { estateQueryName, isEstateRef, type EstateRef } from '../src/model/estate-ref';
import { failureTypes } from '../workflows/failure-types';
import { isBlobRef, type BlobStore } from '../src/drivers/blob-store/blob-store';

/** Estates by content hash, for the activities of one worker. */
export interface EstateCache {
  /** Keeps `estate` (a workflow will soon pass it by reference); returns its hash. */
  remember(estate: Estate): string;
  /** The estate `ref` stands for, asking the running activity's workflow when it is not cached. */
  resolve(ref: EstateRef): Promise<Estate>;
}

/** The SHA-256 of the estate's canonical JSON: the hash workflows compute in plain TypeScript. */
export function estateHash(estate: Estate): string {
  return createHash('sha256').update(canonicalJson(estate)).digest('hex');
}

/** A cache of the last `max` estates, resolving misses through `client` (none: a miss fails). */
export function createEstateCache(client: Client | undefined, max = 16): EstateCache {
  const cached = new Map<string, Promise<Estate>>();
  const keep = (sha256: string, estate: Promise<Estate>): Promise<Estate> => {
    cached.delete(sha256);
    cached.set(sha256, estate);
    // A rejected lookup is not kept: the next attempt asks again.
    estate.catch(() => cached.delete(sha256));
    while (cached.size > max) cached.delete(cached.keys().next().value as string);
    return estate;
  };
  return {
    remember(estate) {
      const sha256 = estateHash(estate);
      if (!cached.has(sha256)) keep(sha256, Promise.resolve(estate));
      return sha256;
    },
    resolve(ref) {
      const { sha256 } = ref.estateRef;
      const hit = cached.get(sha256);
      if (hit) return keep(sha256, hit);
      return keep(sha256, askWorkflow(client, ref));
    },
  };
}

async function askWorkflow(client: Client | undefined, ref: EstateRef): Promise<Estate> {
  const { name, sha256 } = ref.estateRef;
  if (!client) throw ApplicationFailure.nonRetryable(`estate ${name} (${sha256.slice(0, 12)}) is not cached and this worker has no client to ask its rollout`, failureTypes.invalidInput);
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable(`estate ${name} (${sha256.slice(0, 12)}) is not cached and the activity has no workflow to ask`, failureTypes.invalidInput);
  const { workflowId, runId } = execution;
  const estate = await client.workflow.getHandle(workflowId, runId).query<Estate | null, [string]>(estateQueryName, sha256);
  if (estate === null) throw ApplicationFailure.nonRetryable(`the rollout ${workflowId} knows no estate ${name} with hash ${sha256.slice(0, 12)}`, failureTypes.invalidInput);
  const found = estateHash(estate);
  // A different estate under this hash would steer every driver at the wrong servers.
  if (found !== sha256) throw ApplicationFailure.nonRetryable(`the rollout ${workflowId} answered estate ${name} with hash ${found.slice(0, 12)}, not ${sha256.slice(0, 12)}`, failureTypes.invalidInput);
  return estate;
}

/** What an activity's references resolve against. */
export interface RefStores {
  estates: EstateCache;
  blobs: BlobStore;
}

/** `value` with every blob reference in it replaced by the blob's text; unchanged objects are kept as they are. */
async function withBlobs(blobs: BlobStore, value: unknown): Promise<unknown> {
  if (isBlobRef(value)) return blobs.getText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const items = await Promise.all(value.map((v) => withBlobs(blobs, v)));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await withBlobs(blobs, v)] as const));
  return entries.some(([k, v]) => v !== (value as Record<string, unknown>)[k]) ? Object.fromEntries(entries) : value;
}

async function resolvedArg(stores: RefStores, arg: unknown): Promise<unknown> {
  if (isEstateRef(arg)) return stores.estates.resolve(arg);
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg) || !('estate' in arg)) return withBlobs(stores.blobs, arg);
  // An estate holds no blobs: walking thousands of servers on every call would be wasted work.
  const { estate, ...rest } = arg as { estate: unknown };
  const withoutEstate = (await withBlobs(stores.blobs, rest)) as object;
  return { ...withoutEstate, estate: isEstateRef(estate) ? await stores.estates.resolve(estate) : estate };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- activity functions of any shape
type AnyActivity = (...args: any[]) => Promise<any>;

/**
 * `activities` with the references in their arguments resolved before each runs: estates, and the
 * blobs (generated files) anywhere inside. What `resolveEstate` returns is remembered, since the
 * workflow passes it by reference next.
 */
export function resolvingRefs<T extends Record<string, AnyActivity>>(activities: T, stores: RefStores): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      const result: unknown = await fn(...(await Promise.all(args.map((a) => resolvedArg(stores, a)))));
      if (name === 'resolveEstate') stores.estates.remember(result as Estate);
      return result;
    };
  }
  return wrapped as T;
}
