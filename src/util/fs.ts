import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TestloopError } from '../errors.ts';

/** Writes through a temp file and a rename, so a failed run never leaves a half-written report behind. */
export async function writeFileAtomic(
  path: string,
  content: string | AsyncIterable<string | Uint8Array>,
): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    // An error of the content's producer (a store read, say) is not an output error.
    if (error instanceof TestloopError) throw error;
    throw new TestloopError(
      'TESTLOOP_OUTPUT',
      `${path}: cannot write output (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check the path and its permissions`,
      { cause: error },
    );
  }
}

/**
 * A whole file in as few reads as its size allows: fs/promises' readFile reads 512 KiB at a time, each read
 * a turn of the event loop, so a large report waits behind whatever else this process is doing meanwhile.
 */
export async function readWholeFile(path: string): Promise<Buffer> {
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
