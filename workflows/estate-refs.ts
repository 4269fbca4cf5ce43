/**
 * Activities get the estate by reference. The rollout registers the estate it runs on; every
 * regular activity proxy then replaces that estate, as an argument or as an argument's `estate`
 * field, with its content hash, and answers workers that have not cached it through a query.
 * Local activities keep the estate inline: their inputs are not written to history.
 */
import { defineQuery, setHandler } from '@temporalio/workflow';
import type { Estate } from '../src/model';
import { contentHash } from '../src/model/content-hash';
import { estateQueryName, type EstateRef } from '../src/model/estate-ref';

/** The estate of this content hash, for a worker that has not cached it; null for an unknown hash. */
export const estateQuery = defineQuery<Estate | null, [string]>(estateQueryName);

// Module state is per workflow execution: the SDK isolates each workflow's globals.
const byHash = new Map<string, Estate>();
const refs = new WeakMap<object, EstateRef>();

/**
 * Registers the estate this rollout runs on: from now on activities get it by reference. Replays
 * register it again, so a query answered after a worker restart knows it too.
 */
export function registerEstate(estate: Estate): void {
  if (refs.has(estate)) return;
  const sha256 = contentHash(estate);
  if (byHash.size === 0) setHandler(estateQuery, (hash) => byHash.get(hash) ?? null, { description: 'Internal: the estate with this content hash, for a worker that meets a reference to it and has not cached it.' });
  byHash.set(sha256, estate);
  refs.set(estate, { estateRef: { name: estate.name, sha256 } });
}

function referenced(arg: unknown): unknown {
  if (typeof arg !== 'object' || arg === null) return arg;
  const own = refs.get(arg);
  if (own) return own;
  const field = (arg as { estate?: unknown }).estate;
  const ref = typeof field === 'object' && field !== null ? refs.get(field) : undefined;
  return ref ? { ...arg, estate: ref } : arg;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's activity function shape
type AnyFunction = (...args: any[]) => any;

/** `proxy` (from proxyActivities) with registered estates in its calls' arguments replaced by references. */
export function withEstateRefs<T extends object>(proxy: T): T {
  return new Proxy(proxy, {
    get(target, prop, receiver) {
      const fn = Reflect.get(target, prop, receiver) as unknown;
      if (typeof fn !== 'function') return fn;
      const activity = fn as AnyFunction & { executeWithOptions?: AnyFunction };
      const call = (...args: unknown[]): unknown => activity(...args.map(referenced));
      if (activity.executeWithOptions) {
        const withOptions = activity.executeWithOptions;
        Object.assign(call, { executeWithOptions: (options: unknown, args: unknown[]) => withOptions(options, args.map(referenced)) });
      }
      return call;
    },
  });
}
