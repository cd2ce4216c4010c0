import { open } from 'node:fs/promises';

/** Reads started before they were asked for, by absolute path (see prefetchWholeFile). */
const prefetched = new Map<string, Promise<Buffer>>();

/**
 * Starts reading a file its command is sure to read, before the command's code loads: the read runs in
 * the background while Node compiles. The next readWholeFile of the same path takes it.
 */
export function prefetchWholeFile(path: string): void {
  const early = read(path);
  // Awaited by whoever takes it; a file that is not there fails again, with its error, when read.
  early.catch(() => undefined);
  prefetched.set(path, early);
}

/** Drops the reads started and never asked for (see discardPrefetchedGit). */
export function discardPrefetchedReads(): void {
  prefetched.clear();
}

/**
 * A whole file in as few reads as its size allows: fs/promises' readFile reads 512 KiB at a time, each read
 * a turn of the event loop, so a large report waits behind whatever else this process is doing meanwhile.
 */
export function readWholeFile(path: string): Promise<Buffer> {
  const early = prefetched.get(path);
  prefetched.delete(path);
  return early ?? read(path);
}

async function read(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let buffer = Buffer.allocUnsafe(Math.max(size, 1 << 16));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        // As large as stat said: a small read tells whether the file grew since, before copying it all.
        const probe = Buffer.allocUnsafe(1 << 16);
        const { bytesRead } = await handle.read(probe, 0, probe.length, null);
        if (bytesRead === 0) return buffer;
        const bigger = Buffer.allocUnsafe(buffer.length * 2 + bytesRead);
        buffer.copy(bigger, 0, 0, length);
        probe.copy(bigger, length, 0, bytesRead);
        buffer = bigger;
        length += bytesRead;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
