import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/git/parse-diff.ts';

describe('parseUnifiedDiff', () => {
  it('reads added lines of a git diff with context and several hunks', () => {
    const diff = [
      'diff --git a/src/a.ts b/src/a.ts',
      'index 111..222 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,4 +1,5 @@',
      ' one',
      '-two',
      '+TWO',
      '+2.5',
      ' three',
      ' four',
      '@@ -10,2 +11,3 @@ function f() {',
      ' ten',
      '+added',
      ' eleven',
      '\\ No newline at end of file',
    ].join('\n');
    expect(parseUnifiedDiff(diff, 'x')).toEqual([
      {
        path: 'src/a.ts',
        status: 'modified',
        binary: false,
        hunks: [
          { start: 2, end: 3 },
          { start: 12, end: 12 },
        ],
      },
    ]);
  });

  it('follows renames, new, deleted and binary files', () => {
    const diff = [
      'diff --git a/old name.ts b/new name.ts',
      'similarity index 90%',
      'rename from old name.ts',
      'rename to new name.ts',
      '--- a/old name.ts',
      '+++ b/new name.ts',
      '@@ -3,0 +4,2 @@',
      '+x',
      '+y',
      'diff --git a/gone.ts b/gone.ts',
      'deleted file mode 100644',
      '--- a/gone.ts',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      '-a',
      '-b',
      'diff --git a/new.ts b/new.ts',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new.ts',
      '@@ -0,0 +1 @@',
      '+only',
      'diff --git a/logo.png b/logo.png',
      'index 1..2 100644',
      'Binary files a/logo.png and b/logo.png differ',
    ].join('\n');
    const files = parseUnifiedDiff(diff, 'x');
    expect(files.map((f) => [f.path, f.status, f.binary, f.oldPath, f.hunks])).toEqual([
      ['new name.ts', 'renamed', false, 'old name.ts', [{ start: 4, end: 5 }]],
      ['gone.ts', 'deleted', false, undefined, []],
      ['new.ts', 'added', false, undefined, [{ start: 1, end: 1 }]],
      ['logo.png', 'modified', true, undefined, []],
    ]);
  });

  it('decodes quoted and UTF-8 paths, and reads content in any encoding', () => {
    const diff = Buffer.concat([
      Buffer.from(
        'diff --git "a/caf\\303\\251 \\"q\\".ts" "b/caf\\303\\251 \\"q\\".ts"\n--- "a/caf\\303\\251 \\"q\\".ts"\n+++ "b/caf\\303\\251 \\"q\\".ts"\n@@ -1 +1 @@\n-',
      ),
      Buffer.from([0xff, 0xfe, 0x0a]),
      Buffer.from('+'),
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from('diff --git a/日本.ts b/日本.ts\n--- a/日本.ts\n+++ b/日本.ts\n@@ -0,0 +1,2 @@\n+a\n+b\n'),
    ]);
    const files = parseUnifiedDiff(diff, 'x');
    expect(files.map((f) => [f.path, f.hunks])).toEqual([
      ['café "q".ts', [{ start: 1, end: 1 }]],
      ['日本.ts', [{ start: 1, end: 2 }]],
    ]);
  });

  it('reads a plain diff -u without git headers, CRLF included', () => {
    const diff =
      '--- a.js\t2026-01-01 00:00:00\r\n+++ a.js\t2026-01-02 00:00:00\r\n@@ -1,2 +1,3 @@\r\n a\r\n+b\r\n c\r\n';
    expect(parseUnifiedDiff(diff, 'x')).toEqual([
      { path: 'a.js', status: 'modified', binary: false, hunks: [{ start: 2, end: 2 }] },
    ]);
  });

  it('treats a line starting with --- inside a hunk as content', () => {
    const diff =
      'diff --git a/m.md b/m.md\n--- a/m.md\n+++ b/m.md\n@@ -1,2 +1,2 @@\n--- old rule\n+++ new rule\n same\n';
    expect(parseUnifiedDiff(diff, 'x')).toEqual([
      { path: 'm.md', status: 'modified', binary: false, hunks: [{ start: 1, end: 1 }] },
    ]);
  });

  it('rejects a truncated hunk and a malformed header with the line', () => {
    expect(() => parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\ngarbage\n', 'p.diff')).toThrow(
      /^p\.diff:5: hunk ends early/,
    );
    expect(() => parseUnifiedDiff('--- a/x\n+++ b/x\n@@ bogus @@\n', 'p.diff')).toThrow(
      /^p\.diff:3: malformed hunk header/,
    );
  });

  it('returns nothing for an empty diff', () => {
    expect(parseUnifiedDiff('', 'x')).toEqual([]);
  });
});
