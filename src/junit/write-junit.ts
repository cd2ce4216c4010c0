import type { TestAttempt } from './types.ts';
import { xml } from './xml-text.ts';

/**
 * JUnit XML in the shape vitest writes (testsuite per file, `name` = describes and title joined by " > ",
 * `classname` = the file), which every JUnit consumer reads and testloop's reader maps back to the same
 * TestIds.
 */
export function writeJUnit(attempts: readonly TestAttempt[], name = 'testloop'): string {
  const byFile = new Map<string, TestAttempt[]>();
  for (const attempt of attempts) byFile.set(attempt.file, [...(byFile.get(attempt.file) ?? []), attempt]);
  const count = (list: readonly TestAttempt[], status: TestAttempt['status']) =>
    list.filter((a) => a.status === status).length;
  const seconds = (list: readonly TestAttempt[]) =>
    (list.reduce((t, a) => t + a.durationMs, 0) / 1000).toFixed(3);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(name)}" tests="${attempts.length}" failures="${count(attempts, 'failed')}" errors="${count(attempts, 'error')}" time="${seconds(attempts)}">`,
  ];
  for (const [file, list] of byFile) {
    out.push(
      `  <testsuite name="${xml(file)}" tests="${list.length}" failures="${count(list, 'failed')}" errors="${count(list, 'error')}" skipped="${count(list, 'skipped')}" time="${seconds(list)}">`,
    );
    for (const attempt of list) {
      const title = [...attempt.suite, attempt.name].join(' > ');
      const open = `    <testcase classname="${xml(file)}" name="${xml(title)}" file="${xml(file)}" time="${(attempt.durationMs / 1000).toFixed(3)}"`;
      if (attempt.status === 'passed') {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (attempt.status === 'skipped') out.push('      <skipped/>');
      else {
        const element = attempt.status === 'error' ? 'error' : 'failure';
        const type = attempt.errorType === undefined ? '' : ` type="${xml(attempt.errorType)}"`;
        out.push(
          `      <${element} message="${xml(attempt.message ?? '')}"${type}>${xml(attempt.stack ?? attempt.message ?? '')}</${element}>`,
        );
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
