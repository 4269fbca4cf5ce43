/**
 * An estate named by its content hash, as workflows pass it to activities: the estate itself is
 * written to history once (the request, or `resolveEstate`'s result) and not again with every
 * activity input, where a 2,000-server estate would pass the history budget in a few steps.
 */
import { contentHash } from './content-hash';
import type { Estate } from './estate';

/** An activity argument (or an argument's `estate` field) standing for an estate. */
export interface EstateRef {
  estateRef: { name: string; sha256: string };
}

/** The reference to `estate`. */
export function estateRefOf(estate: Estate): EstateRef {
  return { estateRef: { name: estate.name, sha256: contentHash(estate) } };
}

/** Whether `value` is an {@link EstateRef}. */
export function isEstateRef(value: unknown): value is EstateRef {
  if (typeof value !== 'object' || value === null || !('estateRef' in value)) return false;
  const ref = (value as EstateRef).estateRef;
  return typeof ref === 'object' && ref !== null && typeof ref.sha256 === 'string' && typeof ref.name === 'string';
}

/**
 * The query a worker asks a rollout when it meets a reference to an estate it has not cached: the
 * rollout answers with the estate of that hash, or null. Queries write nothing to history.
 */
export const estateQueryName = 'estateByHash';
