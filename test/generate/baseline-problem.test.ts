/**
 * The run of a target file's existing tests (generate without --coverage) is a fallback for those files
 * when it cannot tell what they cover, never the end of the whole run: a runner cut at the time limit or
 * killed while writing leaves an empty or cut-off JUnit report, which once stopped generate with
 * TESTLOOP_JUNIT_PARSE (exit 2) before the time limit was even looked at.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineProblem } from '../../src/generate/measure-coverage.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';

const PASSING = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="vitest tests" tests="1" failures="0" errors="0" time="0.1">
  <testsuite name="src/a.test.ts" tests="1" failures="0" errors="0" skipped="0" time="0.1">
    <testcase classname="src/a.test.ts" name="adds" time="0.01"></testcase>
  </testsuite>
</testsuites>
`;
const FAILING = PASSING.replace(
  '<testcase classname="src/a.test.ts" name="adds" time="0.01"></testcase>',
  '<testcase classname="src/a.test.ts" name="adds" time="0.01"><failure message="expected 2"/></testcase>',
);

describe('generate: what the baseline coverage run says', () => {
  const tmp = usePrivateTmpDir('testloop-baseline-problem-');
  const report = (text: string): string => {
    const file = join(tmp, 'junit.xml');
    writeFileSync(file, text);
    return file;
  };

  it('falls back when the runner left an empty or cut-off report', async () => {
    for (const text of ['', PASSING.slice(0, 120)]) {
      const why = await baselineProblem({ timedOut: false, exitCode: 1 }, report(text), 60_000);
      expect(why).toMatch(/^left a test report that cannot be read \(.*junit\.xml/);
    }
  });

  it('says the time limit, not the report, when the run was cut', async () => {
    expect(await baselineProblem({ timedOut: true, exitCode: 124 }, report(''), 90_000)).toBe(
      'timed out after 90 s',
    );
  });

  it('lets the tests decide, not the exit code', async () => {
    // A coverage threshold fails the run while every test passes.
    expect(await baselineProblem({ timedOut: false, exitCode: 1 }, report(PASSING), 60_000)).toBeUndefined();
    expect(await baselineProblem({ timedOut: false, exitCode: 1 }, report(FAILING), 60_000)).toBe(
      'had 1 failing test(s)',
    );
    expect(await baselineProblem({ timedOut: false, exitCode: 3 }, join(tmp, 'none.xml'), 60_000)).toBe(
      'failed (exit code 3)',
    );
  });
});
