import { describe, expect, it } from 'vitest';
import { filesOfPatch } from '../../src/generate/output.ts';
import { bound } from '../../src/mcp/bound.ts';
import { trimFailure } from '../../src/select/run-outcomes.ts';

describe('bound', () => {
  it('leaves an answer that fits as it is', () => {
    const value = { tests: [1, 2, 3] };
    expect(bound(value, 1000)).toEqual({ value, cut: [] });
  });

  it('halves the longest list, keeping its head, and says what was cut', () => {
    const value = { tests: Array.from({ length: 1000 }, (_, i) => `test-${i}`), ignored: ['a', 'b'] };
    const { value: cut, cut: notes } = bound(value, 2000);
    const tests = cut.tests as string[];
    expect(JSON.stringify(cut).length).toBeLessThanOrEqual(2000);
    expect(tests[0]).toBe('test-0');
    expect(tests.length).toBeLessThan(1000);
    expect(cut.ignored).toEqual(['a', 'b']);
    expect(notes).toEqual([`tests: ${tests.length} of 1000 kept`]);
    expect(value.tests).toHaveLength(1000);
  });

  it('cuts lists inside list items by their own path, and long texts first', () => {
    const value = {
      files: [{ path: 'a.ts', gaps: Array.from({ length: 500 }, (_, i) => ({ line: i })) }],
      note: 'x'.repeat(5000),
    };
    const { value: cut, cut: notes } = bound(value, 3000);
    expect(notes[0]).toBe('note: 750 of 5000 characters kept');
    expect(notes[1]).toMatch(/^files\[0\]\.gaps: \d+ of 500 kept$/);
    expect(JSON.stringify(cut).length).toBeLessThanOrEqual(3000);
  });
});

describe('filesOfPatch', () => {
  it('reads back the new files of a patch, with and without a final newline', () => {
    const patch = [
      'diff --git a/test/a.test.ts b/test/a.test.ts',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/test/a.test.ts',
      '@@ -0,0 +1,2 @@',
      "+it('a', () => {});",
      '+// +1',
      'diff --git a/test/b.test.ts b/test/b.test.ts',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/test/b.test.ts',
      '@@ -0,0 +1 @@',
      '+export {};',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    expect(filesOfPatch(patch)).toEqual([
      { path: 'test/a.test.ts', content: "it('a', () => {});\n// +1\n" },
      { path: 'test/b.test.ts', content: 'export {};' },
    ]);
    expect(filesOfPatch('')).toEqual([]);
  });
});

describe('trimFailure', () => {
  it("keeps the message and the project's own frames, without colours or repeats", () => {
    const stack = [
      'AssertionError: expected 5 to be 6',
      '    at /repo/test/mul.test.ts:5:21',
      '    at file:///repo/node_modules/@vitest/runner/dist/index.js:146:14',
      '    at node:internal/process/task_queues:95:5',
    ].join('\n');
    expect(trimFailure('\u001b[31mAssertionError: expected 5 to be 6\u001b[39m', stack)).toBe(
      'AssertionError: expected 5 to be 6\n    at /repo/test/mul.test.ts:5:21',
    );
    const long = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    expect(trimFailure(long, undefined).split('\n')).toHaveLength(13);
    expect(trimFailure(long, undefined)).toMatch(/… 18 more line\(s\)$/);
  });
});
