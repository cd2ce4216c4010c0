import type { StoredAttempt } from '../../src/history/types.ts';

export type WrittenDialect = 'vitest' | 'jest-junit' | 'generic';

function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function caseAttributes(a: StoredAttempt, dialect: WrittenDialect, ms: number): string {
  if (dialect === 'vitest')
    return `classname="${esc(a.file)}" name="${esc([...a.suite, a.name].join(' > '))}" time="${seconds(ms)}"`;
  if (dialect === 'jest-junit') {
    const full = esc([...a.suite, a.name].join(' › '));
    return `classname="${full}" name="${full}" time="${seconds(ms)}" file="${esc(a.file)}"`;
  }
  return `classname="${esc(a.suite.join('.'))}" name="${esc(a.name)}" time="${seconds(ms)}" file="${esc(a.file)}"`;
}

function failure(a: StoredAttempt, element = 'failure'): string {
  const text = a.message ?? '';
  const first = text.split('\n')[0] ?? '';
  const body = element === 'failure' ? esc(text) : `<stackTrace>${esc(text)}</stackTrace>`;
  const time = element === 'failure' ? '' : ` time="${seconds(a.durationMs)}"`;
  return `<${element} message="${esc(first)}" type="Error"${time}>${body}</${element}>`;
}

/**
 * One run's attempts as a JUnit report the way each producer writes it: vitest (testsuite per file,
 * "suite > name"), jest-junit (file attribute, " › " titles) with retries as Surefire-style
 * flakyFailure/rerunFailure elements, and a generic report where a retry is a repeated testcase.
 */
export function writeJUnit(attempts: readonly StoredAttempt[], dialect: WrittenDialect): string {
  const byFile = new Map<string, Map<string, StoredAttempt[]>>();
  for (const a of attempts) {
    const tests = byFile.get(a.file) ?? new Map<string, StoredAttempt[]>();
    tests.set(a.testId, [...(tests.get(a.testId) ?? []), a]);
    byFile.set(a.file, tests);
  }
  const root =
    dialect === 'vitest' ? ' name="vitest tests"' : dialect === 'jest-junit' ? ' name="jest tests"' : '';
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites${root}>`];
  for (const [file, tests] of byFile) {
    const first = [...tests.values()][0]![0]!;
    const suiteName =
      dialect === 'vitest' ? file : dialect === 'jest-junit' ? (first.suite[0] ?? file) : 'tests';
    out.push(`  <testsuite name="${esc(suiteName)}" tests="${tests.size}">`);
    for (const list of tests.values()) {
      const sorted = [...list].sort((x, y) => x.retry - y.retry);
      const last = sorted[sorted.length - 1]!;
      const failed = (a: StoredAttempt) => a.status === 'failed' || a.status === 'error';
      if (dialect === 'generic') {
        for (const a of sorted) {
          out.push(
            `    <testcase ${caseAttributes(a, dialect, a.durationMs)}>${failed(a) ? failure(a) : ''}</testcase>`,
          );
        }
        continue;
      }
      if (sorted.length === 1) {
        const a = sorted[0]!;
        out.push(
          `    <testcase ${caseAttributes(a, dialect, a.durationMs)}>${failed(a) ? failure(a) : ''}</testcase>`,
        );
      } else if (!failed(last)) {
        const flaky = sorted
          .slice(0, -1)
          .map((a) => failure(a, 'flakyFailure'))
          .join('');
        out.push(`    <testcase ${caseAttributes(last, dialect, last.durationMs)}>${flaky}</testcase>`);
      } else {
        const [head, ...rest] = sorted;
        const reruns = rest.map((a) => failure(a, 'rerunFailure')).join('');
        out.push(
          `    <testcase ${caseAttributes(head!, dialect, head!.durationMs)}>${failure(head!)}${reruns}</testcase>`,
        );
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/**
 * One run's attempts as vitest's `verbose` console log (what `testloop ingest` reads from CI logs): a
 * line per test with `(retry xN)`, then a `FAIL` block with the error of each test that failed for good.
 */
export function writeVitestLog(attempts: readonly StoredAttempt[]): string {
  const byTest = new Map<string, StoredAttempt[]>();
  for (const a of attempts) byTest.set(a.testId, [...(byTest.get(a.testId) ?? []), a]);
  const lines = ['', ' RUN  v4.1.12 /ci/app', ''];
  const failed: StoredAttempt[] = [];
  for (const list of byTest.values()) {
    const sorted = [...list].sort((x, y) => x.retry - y.retry);
    const last = sorted[sorted.length - 1]!;
    const title = [last.file, ...last.suite, last.name].join(' > ');
    const retries = sorted.length > 1 ? ` (retry x${sorted.length - 1})` : '';
    const bad = last.status === 'failed' || last.status === 'error';
    lines.push(` ${bad ? '×' : '✓'} ${title} ${Math.round(last.durationMs)}ms${retries}`);
    if (bad) {
      lines.push(`   → ${(last.message ?? '').split('\n')[0]}`);
      failed.push(last);
    }
  }
  if (failed.length > 0) {
    lines.push('', `⎯⎯⎯⎯⎯⎯⎯ Failed Tests ${failed.length} ⎯⎯⎯⎯⎯⎯⎯`, '');
    failed.forEach((a, i) => {
      lines.push(` FAIL  ${[a.file, ...a.suite, a.name].join(' > ')}`, ...(a.message ?? '').split('\n'), '');
      lines.push(`⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[${i + 1}/${failed.length}]⎯`, '');
    });
  }
  const passed = byTest.size - failed.length;
  lines.push(
    ` Test Files  ${new Set(attempts.map((a) => a.file)).size} passed`,
    `      Tests  ${failed.length > 0 ? `${failed.length} failed | ` : ''}${passed} passed (${byTest.size})`,
    '',
  );
  return lines.join('\n');
}
