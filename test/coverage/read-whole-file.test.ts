/** The one read every coverage report goes through: exact at, below and above its first buffer's size. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prefetchWholeFile, readWholeFile } from '../../src/util/whole-file.ts';

describe('readWholeFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'testloop-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([0, 10, 65_535, 65_536, 65_537, 3 * 1024 * 1024])(
    'reads a file of %i bytes exactly',
    async (size) => {
      const content = Buffer.alloc(size);
      for (let i = 0; i < size; i++) content[i] = (i * 31) & 0xff;
      const path = join(dir, `f${size}`);
      writeFileSync(path, content);
      const read = await readWholeFile(path);
      expect(read.length).toBe(size);
      expect(read.equals(content)).toBe(true);
    },
  );

  it('takes a prefetched read once; the next read reads the file again', async () => {
    const path = join(dir, 'prefetched');
    writeFileSync(path, 'first');
    prefetchWholeFile(path);
    await new Promise((resolve) => setTimeout(resolve, 50));
    writeFileSync(path, 'second');
    expect((await readWholeFile(path)).toString()).toBe('first');
    expect((await readWholeFile(path)).toString()).toBe('second');
  });

  it('gives a prefetched read of a missing file its error when taken, not before', async () => {
    const path = join(dir, 'missing');
    prefetchWholeFile(path);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(readWholeFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
