import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * The quarantine file `testloop triage --quarantine <file>` writes, and a helper test setup files use
 * to skip (or run without failing) the tests it lists. This module imports nothing but node:fs and
 * node:path, so it is cheap to load in every test worker.
 *
 * vitest (setupFiles in vitest.config.ts):
 *
 *     import { beforeEach } from 'vitest';
 *     import { skipQuarantined } from 'testloop';
 *     beforeEach(skipQuarantined());                       // listed tests are reported as skipped
 *
 * jest (setupFilesAfterEnv in jest.config.js), or vitest with `globals: true`:
 *
 *     import { quarantineGlobals } from 'testloop';
 *     quarantineGlobals({ mode: 'not-fail' });             // or 'skip' (the default)
 *
 * The file is read from `path`, else TESTLOOP_QUARANTINE, else .testloop/quarantine.json (relative to
 * the working directory); a missing file quarantines nothing.
 */
export interface QuarantineEntry {
  testId: string;
  file: string;
  name: string;
  reason: string;
  /** When the test was quarantined or first seen failing (ISO date or commit). */
  since: string;
}

export interface QuarantineFile {
  version: 1;
  tests: QuarantineEntry[];
}

const QUARANTINE_ENV = 'TESTLOOP_QUARANTINE';
const DEFAULT_QUARANTINE_PATH = '.testloop/quarantine.json';

export interface TestRef {
  /** Test file, absolute or relative to the working directory. */
  file: string;
  suite: readonly string[];
  name: string;
}

export function parseQuarantine(text: string, source: string): QuarantineFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source}: not JSON (${(error as Error).message}). Regenerate it with testloop triage --quarantine`,
    );
  }
  const file = value as Partial<QuarantineFile> | null;
  if (file?.version !== 1 || !Array.isArray(file.tests))
    throw new Error(
      `${source}: expected { "version": 1, "tests": [...] }. Regenerate it with testloop triage --quarantine`,
    );
  const tests = file.tests.filter(
    (t): t is QuarantineEntry => typeof t === 'object' && t !== null && typeof t.testId === 'string',
  );
  return {
    version: 1,
    tests: tests.map((t) => ({
      testId: t.testId,
      file: typeof t.file === 'string' ? t.file : '',
      name: typeof t.name === 'string' ? t.name : '',
      reason: typeof t.reason === 'string' ? t.reason : '',
      since: typeof t.since === 'string' ? t.since : '',
    })),
  };
}

/** The quarantine list, or an empty one when there is no file. */
export function readQuarantine(path?: string, cwd: string = process.cwd()): QuarantineFile {
  const chosen = path ?? process.env[QUARANTINE_ENV] ?? DEFAULT_QUARANTINE_PATH;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, chosen), 'utf8');
  } catch {
    return { version: 1, tests: [] };
  }
  return parseQuarantine(text, chosen);
}

/**
 * The entry listing a test, if any: the same test id, or the same suite path and name in a file whose
 * path ends like the listed one (reports and runners name files relative to different roots).
 */
export function findQuarantined(
  list: QuarantineFile,
  test: TestRef,
  cwd = process.cwd(),
): QuarantineEntry | undefined {
  const file = toPosix(isAbsolute(test.file) ? relative(cwd, test.file) : test.file);
  const tail = [...test.suite, test.name].join(' › ');
  const id = [file, tail].filter(Boolean).join(' › ');
  return list.tests.find((entry) => {
    if (entry.testId === id) return true;
    const prefix = `${entry.file} › `;
    if (entry.file !== '' && entry.testId.startsWith(prefix)) {
      return entry.testId.slice(prefix.length) === tail && (file === '' || sameFile(entry.file, file));
    }
    if (entry.testId === tail) return true;
    if (!entry.testId.endsWith(` › ${tail}`)) return false;
    return file === '' || sameFile(entry.testId.slice(0, -(tail.length + 3)), file);
  });
}

function sameFile(a: string, b: string): boolean {
  const x = toPosix(a).replace(/^\.\//, '');
  const y = toPosix(b).replace(/^\.\//, '');
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

interface VitestTask {
  name: string;
  suite?: VitestSuite;
  file?: { name: string; filepath?: string };
}
interface VitestSuite {
  name: string;
  suite?: VitestSuite;
  filepath?: string;
}

/**
 * For vitest: `beforeEach(skipQuarantined())` reports every listed test as skipped, with the reason as
 * the skip note. vitest cannot turn a failure into a pass from a hook; use quarantineGlobals with
 * `globals: true` for the not-fail mode.
 */
export function skipQuarantined(options: { path?: string; cwd?: string } = {}) {
  const list = readQuarantine(options.path, options.cwd);
  return (context: { task: VitestTask; skip: (note?: string) => void }): void => {
    if (list.tests.length === 0) return;
    const suite: string[] = [];
    for (let s = context.task.suite; s && s.filepath === undefined && s !== context.task.file; s = s.suite) {
      if (s.name !== '') suite.unshift(s.name);
    }
    const file = context.task.file?.filepath ?? context.task.file?.name ?? '';
    const entry = findQuarantined(list, { file, suite, name: context.task.name }, options.cwd);
    if (entry) context.skip(`quarantined by testloop: ${entry.reason}`);
  };
}

// biome-ignore lint/suspicious/noExplicitAny: test globals differ between runners
type AnyFn = (...args: any[]) => any;

/**
 * For jest (setupFilesAfterEnv) and vitest with `globals: true`: wraps the global describe/it/test so a
 * listed test is registered with `.skip` ('skip'), or runs but only logs its failure ('not-fail').
 * Variants (`test.each`, `test.concurrent`) are left as they are.
 */
export function quarantineGlobals(
  options: { path?: string; cwd?: string; mode?: 'skip' | 'not-fail'; testFile?: () => string } = {},
): void {
  const list = readQuarantine(options.path, options.cwd);
  if (list.tests.length === 0) return;
  const g = globalThis as Record<string, unknown>;
  const stack: string[] = [];
  const testFile =
    options.testFile ??
    (() => (g.expect as { getState?: () => { testPath?: string } } | undefined)?.getState?.().testPath ?? '');
  const describe = g.describe as AnyFn | undefined;
  if (describe) {
    g.describe = Object.assign((name: string, body: AnyFn, ...rest: unknown[]) => {
      return describe(
        name,
        (...args: unknown[]) => {
          stack.push(String(name));
          try {
            return body(...args);
          } finally {
            stack.pop();
          }
        },
        ...rest,
      );
    }, describe);
  }
  for (const key of ['it', 'test']) {
    const original = g[key] as (AnyFn & { skip: AnyFn }) | undefined;
    if (!original) continue;
    g[key] = Object.assign((name: string, fn?: AnyFn, ...rest: unknown[]) => {
      const entry = findQuarantined(
        list,
        { file: testFile(), suite: [...stack], name: String(name) },
        options.cwd,
      );
      if (!entry || !fn) return original(name, fn, ...rest);
      if (options.mode !== 'not-fail') return original.skip(name, fn, ...rest);
      return original(name, notFailing(fn, entry), ...rest);
    }, original);
  }
}

function notFailing(fn: AnyFn, entry: QuarantineEntry): AnyFn {
  const report = (error: unknown) => {
    console.warn(
      `testloop quarantine: ${entry.testId} failed, not failing the run (${entry.reason}): ${(error as Error)?.message ?? error}`,
    );
  };
  // A test that takes a done callback keeps one.
  if (fn.length > 0) {
    return () =>
      new Promise<void>((done) => {
        try {
          fn((error?: unknown) => {
            if (error) report(error);
            done();
          });
        } catch (error) {
          report(error);
          done();
        }
      });
  }
  return async (...args: unknown[]) => {
    try {
      await fn(...args);
    } catch (error) {
      report(error);
    }
  };
}
