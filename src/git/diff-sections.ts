import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseUnifiedDiff } from './parse-diff.ts';
import type { ChangedFile } from './types.ts';

const SECTION_START = Buffer.from('\ndiff --git ');
/** How often a file git is still writing is looked at again. */
const POLL_MS = 3;

/**
 * git's diff, read while git writes it: each file's section is parsed once the next one begins, so the
 * parsing and the caller's work on those files (`onFiles`) overlap git's own. A section is cut only at a
 * line that starts with "diff --git ", which no hunk line can (they start with +, - or a space).
 */
export class DiffSections {
  readonly files: ChangedFile[] = [];
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The last bytes of the pending text, where a boundary split across two reads begins. */
  #tail: Buffer = Buffer.alloc(0);
  #bytes = 0;
  /** Set when a section would not parse alone: the whole diff is then parsed at the end, for its exact error. */
  #failed = false;

  constructor(
    private readonly what: string,
    private readonly maxBytes: number,
    private readonly onFiles: ((files: ChangedFile[]) => void) | undefined,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  push(chunk: Buffer): void {
    this.#bytes += chunk.length;
    if (this.#failed || this.#bytes > this.maxBytes) return;
    const cut = this.#lastBoundary(chunk);
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (cut === -1) return;
    const text = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#parse(text.subarray(0, cut + 1), true);
    this.#pending = [text.subarray(cut + 1)];
    this.#pendingBytes = text.length - cut - 1;
  }

  /** Every file of the diff, once git has written all of it; `whole` reads it again if a part would not parse. */
  async finish(whole: () => Promise<Buffer>): Promise<ChangedFile[]> {
    if (this.#pendingBytes > 0) this.#parse(Buffer.concat(this.#pending, this.#pendingBytes), false);
    if (this.#failed) return parseUnifiedDiff(await whole(), this.what);
    return this.files;
  }

  /** Offset in the pending text plus `chunk` of the last "\ndiff --git ", or -1; also moves the tail on. */
  #lastBoundary(chunk: Buffer): number {
    const keep = SECTION_START.length - 1;
    const tail = this.#tail;
    this.#tail = chunk.length >= keep ? chunk.subarray(-keep) : Buffer.concat([tail, chunk]).subarray(-keep);
    const inside = chunk.lastIndexOf(SECTION_START);
    if (inside !== -1) return this.#pendingBytes + inside;
    if (tail.length === 0) return -1;
    const across = Buffer.concat([tail, chunk.subarray(0, keep)]).lastIndexOf(SECTION_START);
    // The tail may reach back before the pending text, to the boundary parsed last: that one does not count.
    const at = across === -1 ? -1 : this.#pendingBytes - tail.length + across;
    return at >= 0 ? at : -1;
  }

  #parse(sections: Buffer, more: boolean): void {
    if (this.#failed) return;
    let parsed: ChangedFile[];
    try {
      parsed = parseUnifiedDiff(sections, this.what, more);
    } catch {
      this.#failed = true;
      return;
    }
    this.files.push(...parsed);
    this.onFiles?.(parsed);
  }
}

/**
 * Feeds `sink` with what is appended to `path` until `done` settles and everything written before then
 * has been read. The writer is another process: it never waits for this one.
 */
export async function followFile(
  path: string,
  done: Promise<unknown>,
  sink: (chunk: Buffer) => void,
): Promise<void> {
  let settled = false;
  done.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let offset = 0;
    for (;;) {
      const last = settled;
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead > 0) {
        offset += bytesRead;
        sink(Buffer.from(buffer.subarray(0, bytesRead)));
        continue;
      }
      if (last) return;
      await sleep(POLL_MS);
    }
  } finally {
    await handle.close();
  }
}
