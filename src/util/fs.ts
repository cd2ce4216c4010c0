import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
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
