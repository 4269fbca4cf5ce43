/**
 * Content too big for workflow history (a generated plugin-cfg.xml, an HTTP server's file before
 * the rollout) is kept here by SHA-256, and history holds only the reference. Every worker of a
 * task queue must reach the same store: on one host a folder, across hosts a shared one.
 */

/** Text kept in a blob store, as workflows hold it. */
export interface BlobRef {
  blobRef: { sha256: string; bytes: number };
}

/** Where blobs live. */
export interface BlobStore {
  /** Stores `text` (UTF-8) once; storing the same text again changes nothing. */
  putText(text: string): Promise<BlobRef>;
  /** The text `ref` names, checked against its hash; throws when the store does not hold it. */
  getText(ref: BlobRef): Promise<string>;
}

/** Whether `value` is a {@link BlobRef}. */
export function isBlobRef(value: unknown): value is BlobRef {
  if (typeof value !== 'object' || value === null || !('blobRef' in value)) return false;
  const ref = (value as BlobRef).blobRef;
  return typeof ref === 'object' && ref !== null && typeof ref.sha256 === 'string' && /^[0-9a-f]{64}$/.test(ref.sha256);
}
