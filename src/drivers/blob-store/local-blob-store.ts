/**
 * Blobs in a local folder, one file per SHA-256 (`ab/abcdef...`), written temp + fsync + rename and
 * read back before the reference is handed out.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createLocalConfigFileStore } from '../config-file/local-config-file-store';
import { sha256Hex } from '../config-file/config-file-store';
import type { BlobRef, BlobStore } from './blob-store';

/** A blob store in `dir` (created on first write). */
export function createLocalBlobStore(dir: string): BlobStore {
  const pathOf = (sha256: string) => path.join(dir, sha256.slice(0, 2), sha256);
  const fileOf = (sha256: string) => createLocalConfigFileStore(pathOf(sha256), { label: 'blob' });
  return {
    async putText(text) {
      const bytes = Buffer.from(text, 'utf8');
      const sha256 = sha256Hex(bytes);
      await mkdir(path.dirname(pathOf(sha256)), { recursive: true });
      await fileOf(sha256).write(bytes);
      return { blobRef: { sha256, bytes: bytes.length } };
    },
    async getText(ref: BlobRef) {
      const { sha256 } = ref.blobRef;
      const bytes = await fileOf(sha256).read();
      if (bytes === null) throw new Error(`blob ${sha256.slice(0, 12)} is not in ${dir}: every worker of the task queue must share TURNOUT_BLOBS`);
      if (sha256Hex(bytes) !== sha256) throw new Error(`blob ${sha256.slice(0, 12)} in ${dir} does not match its hash: the file was changed`);
      return bytes.toString('utf8');
    },
  };
}
