import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiffSections, followFile } from '../../src/git/diff-sections.ts';
import { parseUnifiedDiff } from '../../src/git/parse-diff.ts';
import type { ChangedFile } from '../../src/git/types.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A git diff of `count` files: modified ones with two hunks, a rename, an added and a binary file. */
function gitDiff(count: number): string {
  const sections: string[] = [];
  for (let i = 0; i < count; i++) {
    sections.push(
      `diff --git a/src/f${i}.ts b/src/f${i}.ts`,
      'index 1111111..2222222 100644',
      `--- a/src/f${i}.ts`,
      `+++ b/src/f${i}.ts`,
      `@@ -${i + 1},0 +${i + 2},2 @@`,
      '+diff --git a/looks/like b/a/header',
      `+line ${i}`,
      '@@ -40 +42 @@',
      '-old',
      '+new',
    );
  }
  sections.push(
    'diff --git a/old.ts b/new.ts',
    'similarity index 90%',
    'rename from old.ts',
    'rename to new.ts',
    'diff --git a/logo.png b/logo.png',
    'Binary files a/logo.png and b/logo.png differ',
    'diff --git a/added.ts b/added.ts',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/added.ts',
    '@@ -0,0 +1 @@',
    '+x',
  );
  return `${sections.join('\n')}\n`;
}

async function feed(diff: Buffer, chunkSize: number, batches: ChangedFile[][]): Promise<ChangedFile[]> {
  const sections = new DiffSections('git diff main', Number.POSITIVE_INFINITY, (files) =>
    batches.push(files),
  );
  for (let at = 0; at < diff.length; at += chunkSize) sections.push(diff.subarray(at, at + chunkSize));
  return sections.finish(async () => diff);
}

describe('DiffSections', () => {
  const diff = Buffer.from(gitDiff(40));
  const whole = parseUnifiedDiff(diff, 'git diff main');

  it.each([1, 7, 11, 12, 64, 333, 100_000])(
    'reads the same files as one parse, in %i-byte pieces, handing them on as they complete',
    async (chunkSize) => {
      const batches: ChangedFile[][] = [];
      const files = await feed(diff, chunkSize, batches);
      expect(files).toEqual(whole);
      expect(batches.flat()).toEqual(whole);
      if (chunkSize < 1000) expect(batches.length).toBeGreaterThan(1);
    },
  );

  it('gives the whole diff’s own error, with its line, when a part does not parse', async () => {
    // A hunk that promises three lines and has one: the next section's header is where the whole parse fails.
    const broken = Buffer.from(
      `diff --git a/z.ts b/z.ts\n--- a/z.ts\n+++ b/z.ts\n@@ -1,3 +1,3 @@\n+only one\n${gitDiff(3)}`,
    );
    const expected = (() => {
      try {
        parseUnifiedDiff(broken, 'git diff main');
      } catch (error) {
        return (error as Error).message;
      }
      return 'parsed';
    })();
    expect(expected).toMatch(/^git diff main:\d+: hunk ends early/);
    await expect(feed(broken, 50, [])).rejects.toThrow(expected);
  });
});

describe('followFile', () => {
  it('reads everything another process appends until it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testloop-follow-'));
    dirs.push(dir);
    const file = join(dir, 'out.txt');
    writeFileSync(file, '');
    // The writer pauses between pieces, so reads find the file both mid-way and at its end.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs');
         let i = 0;
         const timer = setInterval(() => {
           fs.appendFileSync(process.argv[1], 'piece ' + i + '\\n'.repeat(i % 3 + 1));
           if (++i === 30) clearInterval(timer);
         }, 5);`,
        file,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    const chunks: Buffer[] = [];
    await followFile(file, exited, (chunk) => chunks.push(chunk));
    const expected = Array.from({ length: 30 }, (_, i) => `piece ${i}${'\n'.repeat((i % 3) + 1)}`).join('');
    expect(Buffer.concat(chunks).toString()).toBe(expected);
    expect(chunks.length).toBeGreaterThan(1);
  });
});
