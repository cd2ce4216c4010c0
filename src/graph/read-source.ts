import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { blobId } from '../git/working-tree.ts';

/** One buffer for every source file that fits: readFileSync would also fstat each file to size it. */
const scratch = Buffer.allocUnsafe(1 << 20);

/** A file's text, and its blob id when asked (hashed from the bytes, before decoding). */
export function readSource(path: string, withBlob = false): { text: string; blob?: string } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const length = readSync(fd, scratch, 0, scratch.length, 0);
    const bytes = length < scratch.length ? scratch.subarray(0, length) : readFileSync(path);
    const text = bytes.toString('utf8');
    return withBlob ? { text, blob: blobId(bytes) } : { text };
  } catch {
    return undefined; // deleted, or a folder, since git listed it
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
