import { TestloopError } from '../errors.ts';

/** A test report that cannot be read: names the file and line, and says what to do. */
export class JUnitParseError extends TestloopError {
  constructor(file: string, line: number | undefined, detail: string) {
    const where = line === undefined ? file : `${file}:${line}`;
    super(
      'TESTLOOP_JUNIT_PARSE',
      `${where}: ${detail}. Regenerate the report (a crashed runner or a cut-off upload leaves it incomplete), or leave this file out`,
    );
  }
}

export function invalidUtf8(file: string, line: number, utf16: boolean): TestloopError {
  const hint = utf16 ? ' (it looks like UTF-16)' : '';
  return new TestloopError(
    'TESTLOOP_INVALID_UTF8',
    `${file}:${line}: invalid UTF-8${hint}. Re-encode the file as UTF-8 or regenerate it`,
  );
}

export function unknownFormat(file: string): TestloopError {
  return new TestloopError(
    'TESTLOOP_JUNIT_FORMAT',
    `${file}: not a JUnit XML report or a vitest, jest, node:test or pytest log. Pass a JUnit XML file, or the raw log of one of those runners`,
  );
}
