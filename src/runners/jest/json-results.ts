import { readFile, rename, writeFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { FILE_ERROR_NAME } from '../../junit/dialects.ts';
import { makeAttempt } from '../../junit/logs/attempt.ts';
import { stripAnsi } from '../../junit/text.ts';
import type { TestAttempt } from '../../junit/types.ts';
import { writeJUnit } from '../../junit/write-junit.ts';
import type { ProjectInfo } from '../types.ts';

interface JestAssertion {
  ancestorTitles?: string[];
  title?: string;
  status?: string;
  duration?: number | null;
  failureMessages?: string[];
}

interface JestFileResult {
  name?: string;
  status?: string;
  message?: string;
  assertionResults?: JestAssertion[];
}

/**
 * Converts the results jest writes with `--json --outputFile` into JUnit XML at `junit`. No results file
 * (jest crashed before writing it) leaves no report: the run's exit status still tells the failure.
 */
export async function jestJsonToJUnit(results: string, junit: string, project: ProjectInfo): Promise<void> {
  let text: string;
  try {
    text = await readFile(results, 'utf8');
  } catch {
    return;
  }
  const parsed = JSON.parse(text) as { testResults?: JestFileResult[] };
  const attempts = (parsed.testResults ?? []).flatMap((file) => attemptsOf(file, project));
  await writeFile(`${junit}.tmp`, writeJUnit(attempts, 'jest tests (testloop)'));
  await rename(`${junit}.tmp`, junit);
}

function attemptsOf(result: JestFileResult, project: ProjectInfo): TestAttempt[] {
  const file = relative(project.root, result.name ?? '')
    .split(sep)
    .join('/');
  const assertions = result.assertionResults ?? [];
  const fileError = (fallback: string) => {
    const text = stripAnsi(result.message || fallback);
    return attempt(file, [], FILE_ERROR_NAME, 'error', 0, firstLine(text), text);
  };
  // The file failed before any test ran (syntax error, failing import).
  if (assertions.length === 0 && result.status === 'failed') return [fileError('test file failed to run')];
  const attempts = assertions.map((a) => {
    const status = a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped';
    // jest colours its failure messages even in --json output.
    const failure = stripAnsi((a.failureMessages ?? []).join('\n'));
    return attempt(
      file,
      a.ancestorTitles ?? [],
      a.title ?? '',
      status,
      a.duration ?? 0,
      failure === '' ? undefined : firstLine(failure),
      failure === '' ? undefined : failure,
    );
  });
  // The file failed although none of its tests did (an afterAll hook threw): that is the file's error.
  if (result.status === 'failed' && !attempts.some((a) => a.status === 'failed'))
    attempts.push(fileError('the test file failed outside its tests (a hook?)'));
  return attempts;
}

function attempt(
  file: string,
  suite: string[],
  name: string,
  status: TestAttempt['status'],
  durationMs: number,
  message?: string,
  stack?: string,
): TestAttempt {
  return makeAttempt(
    file,
    suite,
    name,
    status,
    durationMs,
    0,
    message === undefined ? undefined : { message, stack },
  );
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}
