import { isPathLike, repoRelative } from './text.ts';
import type { XmlAttributes } from './xml-tokenizer.ts';

export type JUnitDialect =
  | 'surefire'
  | 'playwright'
  | 'jest-junit'
  | 'vitest'
  | 'pytest'
  | 'gotestsum'
  | 'node-test'
  | 'generic';

export const JUNIT_DIALECTS: readonly JUnitDialect[] = [
  'surefire',
  'playwright',
  'jest-junit',
  'vitest',
  'pytest',
  'gotestsum',
  'node-test',
  'generic',
];

/** Name of the attempt standing for a whole test file that failed to load or collect. */
export const FILE_ERROR_NAME = '(file)';

/** What a `<testcase>` and its enclosing elements say about the test's identity. */
export interface CaseContext {
  classname: string;
  name: string;
  /** The testcase's own `file` attribute, as written. */
  file: string;
  /** Names of the enclosing `<testsuite>` elements, outermost first. */
  suites: readonly string[];
  /** The innermost testsuite's `hostname` (Playwright writes the project name there). */
  hostname: string;
}

export interface Identity {
  file: string;
  suite: string[];
  name: string;
  /** The whole file failed to load or collect (reported as one attempt with status error). */
  fileError?: boolean;
}

/** What the document said about its producer before its first testcase. */
export interface DialectHints {
  rootElement: string;
  root: XmlAttributes;
  suite: XmlAttributes;
  properties: ReadonlySet<string>;
}

/**
 * Names the reporter that wrote a testsuite, from the strongest signal available: the root element's
 * attributes (`<testsuites id=…>` is Playwright's, `name="vitest tests"`/`"jest tests"`/`"pytest
 * tests"` are those runners' defaults), the properties (`go.version` is gotestsum's, `java.version` or
 * a Surefire schema is Maven's), then the shape of the first testcase.
 */
export function detectDialect(hints: DialectHints, first: CaseContext): JUnitDialect {
  const { root, suite, properties } = hints;
  if (hints.rootElement === 'testsuites' && root.get('id') !== undefined) return 'playwright';
  const rootName = root.get('name') ?? '';
  if (rootName === 'vitest tests') return 'vitest';
  if (rootName === 'jest tests') return 'jest-junit';
  if (rootName === 'pytest tests' || suite.get('name') === 'pytest') return 'pytest';
  if (properties.has('go.version')) return 'gotestsum';
  const schema = `${root.get('xsi:noNamespaceSchemaLocation') ?? ''}${suite.get('xsi:noNamespaceSchemaLocation') ?? ''}`;
  if (schema.includes('surefire') || properties.has('java.version') || properties.has('surefire.version')) {
    return 'surefire';
  }
  const { classname, name } = first;
  const suiteName = first.suites[first.suites.length - 1] ?? '';
  // node --test-reporter=junit: classname is always "test", describes are nested testsuites.
  if (classname === 'test' && (suite.get('disabled') !== undefined || first.suites.length === 0))
    return 'node-test';
  if (isPathLike(classname)) {
    if (name.includes(' › ')) return 'playwright';
    if (name.includes(' > ') || classname === suiteName) return 'vitest';
  }
  if (classname !== '' && classname === name) return 'jest-junit';
  if (PYTEST_MODULE.test(classname) && /^test/.test(name)) return 'pytest';
  if (classname.includes('/') && !isPathLike(classname) && GO_TEST.test(name)) return 'gotestsum';
  return 'generic';
}

const PYTEST_MODULE = /(?:^|\.)(?:test_\w*|\w+_test)(?:\.|$)/;
const GO_TEST = /^(?:Test|Example|Benchmark|Fuzz)\w*(?:\/|$)/;

/** Options a jest-junit report was written with, learned from the report itself. */
export interface JestJunitState {
  /** Set once a testcase showed describe boundaries are lost (ancestorSeparator " "). */
  lossy: boolean;
}

/**
 * The canonical identity of one testcase: `file` is repository-relative ('' when the report names no
 * file), `suite` the describe/class path, `name` the test's own title. See README.md for the rules
 * per dialect; the short version:
 * - vitest: file = the testsuite name (the path vitest writes), suite/name = the `name` split on " > ".
 * - jest-junit: see `jestJunitIdentity`.
 * - playwright: file = classname (relative to testDir), suite = [project, ...describes].
 * - pytest: file from the `file` attribute or the classname's module (`tests.test_x` → `tests/test_x.py`),
 *   suite = the classes after the module.
 * - gotestsum: suite = [package, ...parent subtests], name = the last `/` segment.
 * - node-test (`--test-reporter=junit`): suite = the nested testsuite (describe) names; file '' (Node's
 *   reporter names none), or the `file` attribute testloop's own reporter writes.
 * - surefire/generic: suite = [classname], file from a `file` attribute.
 */
export function identify(dialect: JUnitDialect, c: CaseContext, jest: JestJunitState): Identity {
  switch (dialect) {
    case 'vitest':
      return vitestIdentity(c);
    case 'jest-junit':
      return jestJunitIdentity(c, jest);
    case 'playwright':
      return playwrightIdentity(c);
    case 'pytest':
      return pytestIdentity(c);
    case 'gotestsum':
      return gotestIdentity(c);
    case 'node-test':
      return { file: repoRelative(c.file), suite: c.suites.filter((s) => s !== ''), name: c.name };
    default:
      return genericIdentity(c);
  }
}

function innermost(c: CaseContext): string {
  return c.suites[c.suites.length - 1] ?? '';
}

function vitestIdentity(c: CaseContext): Identity {
  const suiteName = innermost(c);
  const raw = c.file || (isPathLike(suiteName) ? suiteName : isPathLike(c.classname) ? c.classname : '');
  const file = repoRelative(raw);
  // A file that failed to import is written as a testcase named after the file.
  if (raw !== '' && (c.name === raw || c.name === suiteName))
    return { file, suite: [], name: FILE_ERROR_NAME, fileError: true };
  return splitOn(file, c.name, ' > ');
}

/**
 * jest-junit writes `classname` and `name` from templates (defaults `{classname} {title}` for both,
 * with describe titles joined by `ancestorSeparator`, default " "). The rule:
 * 1. Separate the describe path from the title: if classname === name (the default), the whole string
 *    is the path plus the title; if name starts with classname + " ", classname is the path
 *    (`{classname}` / `{classname} {title}`); if classname ends with " " + name, the reverse;
 *    otherwise classname is the path and name the title (`{classname}` / `{title}`).
 * 2. Split the describe path on the ancestor separator when it is " › " or " > ". With the default " "
 *    separator the boundaries are gone: the testsuite name (the first describe, jest-junit's default
 *    `{title}`) is split off when it prefixes the path, and the rest stays one segment, so
 *    `classname="Cart add item" name="Cart add item"` in `<testsuite name="Cart">` reads as
 *    suite ['Cart'], name 'add item' — stable across runs, but not equal to vitest's/jest's
 *    `Cart › add › item`; a warning names the options that keep boundaries.
 * 3. file = the `file` attribute (`addFileAttribute`), else the testsuite name or classname when it is
 *    a path (`usePathForSuiteName`, `classNameTemplate: "{filepath}"`).
 */
function jestJunitIdentity(c: CaseContext, state: JestJunitState): Identity {
  const suiteName = innermost(c);
  const fileFromSuite = isPathLike(suiteName) ? suiteName : '';
  let file = c.file || fileFromSuite;
  let path: string;
  let title: string;
  if (c.classname === 'Test suite failed to run') {
    return {
      file: repoRelative(c.file || c.name || fileFromSuite),
      suite: [],
      name: FILE_ERROR_NAME,
      fileError: true,
    };
  }
  if (isPathLike(c.classname)) {
    // classNameTemplate "{filepath}": the path is the file, the describe path is in the name if anywhere.
    file ||= c.classname;
    path = '';
    title = c.name;
  } else if (c.classname === c.name) {
    path = '';
    title = c.name;
  } else if (c.classname !== '' && c.name.startsWith(`${c.classname} `)) {
    path = c.classname;
    title = c.name.slice(c.classname.length + 1);
  } else if (c.name !== '' && c.classname.endsWith(` ${c.name}`)) {
    path = c.classname.slice(0, -(c.name.length + 1));
    title = c.name;
  } else {
    path = c.classname;
    title = c.name;
  }
  const separator = [' › ', ' > '].find((s) => path.includes(s) || title.includes(s));
  let suite: string[];
  if (separator !== undefined) {
    const parts = [...(path === '' ? [] : path.split(separator)), ...title.split(separator)];
    // Default templates with a " › " separator still join the last describe and the title with " ".
    if (path === '' && c.classname === c.name && parts.length > 1)
      state.lossy ||= parts[parts.length - 1]!.includes(' ');
    return { file: repoRelative(file), ...splitTitle(parts) };
  }
  // jest-junit writes "undefined" as the suite name when the file's first test has no describe.
  const describeTitle = fileFromSuite === '' && suiteName !== 'undefined' ? suiteName : '';
  const full = (path === '' ? title : `${path} ${title}`).trim();
  if (path === '' && describeTitle !== '' && full.startsWith(`${describeTitle} `)) {
    suite = [describeTitle];
    title = full.slice(describeTitle.length + 1);
    state.lossy ||= title.includes(' ');
  } else if (path !== '' && describeTitle !== '' && path.startsWith(`${describeTitle} `)) {
    suite = [describeTitle, path.slice(describeTitle.length + 1)];
  } else {
    suite = path === '' ? [] : [path];
    title = path === '' ? full : title.trim();
  }
  return { file: repoRelative(file), suite, name: title };
}

function playwrightIdentity(c: CaseContext): Identity {
  let name = c.name;
  let project = c.hostname;
  const prefixed = /^\[([^\]]+)\] (.*)$/s.exec(name);
  if (prefixed) {
    project = prefixed[1]!;
    name = prefixed[2]!;
  }
  const { suite, name: title } = splitTitle(name.split(' › '));
  return {
    file: repoRelative(c.file || c.classname),
    suite: project ? [project, ...suite] : suite,
    name: title,
  };
}

/**
 * pytest's classname is the dotted module path plus classes. The module ends at the last segment that
 * looks like a test module (`test_*`, `*_test`); without one, at the last segment before the first
 * capitalised one. xunit1's `file` attribute, when present, wins for the path and fixes the split.
 */
function pytestIdentity(c: CaseContext): Identity {
  const segments = c.classname === '' ? [] : c.classname.split('.');
  if (segments.length === 0) {
    // A collection error: `<testcase classname="" name="tests.test_broken">`.
    const module = c.name.replace(/\.py$/, '');
    const file = c.file || (module.includes('/') ? module : `${module.replace(/\./g, '/')}`);
    return {
      file: repoRelative(file.endsWith('.py') ? file : `${file}.py`),
      suite: [],
      name: FILE_ERROR_NAME,
      fileError: true,
    };
  }
  let moduleEnd: number;
  if (c.file !== '') {
    const modulePath = repoRelative(c.file).replace(/\.py$/, '').split('/');
    moduleEnd = segments.lastIndexOf(modulePath[modulePath.length - 1]!) + 1;
  } else {
    moduleEnd = 0;
  }
  if (moduleEnd === 0) {
    segments.forEach((segment, i) => {
      if (/^test_|_test$|^test$/.test(segment)) moduleEnd = i + 1;
    });
  }
  if (moduleEnd === 0) {
    const firstClass = segments.findIndex((segment) => /^[A-Z]/.test(segment));
    moduleEnd = firstClass === -1 ? segments.length : Math.max(1, firstClass);
  }
  const file = c.file !== '' ? repoRelative(c.file) : `${segments.slice(0, moduleEnd).join('/')}.py`;
  return { file, suite: segments.slice(moduleEnd), name: c.name };
}

function gotestIdentity(c: CaseContext): Identity {
  const parts = c.name.split('/');
  const { suite, name } = splitTitle(parts);
  const pkg = c.classname || innermost(c);
  return { file: repoRelative(c.file), suite: pkg === '' ? suite : [pkg, ...suite], name };
}

function genericIdentity(c: CaseContext): Identity {
  if (isPathLike(c.classname)) {
    return { file: repoRelative(c.file || c.classname), suite: [], name: c.name };
  }
  const suite = c.classname !== '' ? [c.classname] : c.suites.filter((s) => s !== '' && !isPathLike(s));
  const fromSuite = c.suites.find((s) => isPathLike(s)) ?? '';
  return { file: repoRelative(c.file || fromSuite), suite, name: c.name };
}

/** `a > b > c` as suite [a, b] and name c, without the intermediate arrays of split/map/pop. */
function splitOn(file: string, title: string, separator: string): Identity {
  let at = title.indexOf(separator);
  if (at === -1) return { file, suite: [], name: title.trim() };
  const suite: string[] = [];
  let from = 0;
  while (at !== -1) {
    suite.push(title.slice(from, at).trim());
    from = at + separator.length;
    at = title.indexOf(separator, from);
  }
  return { file, suite, name: title.slice(from).trim() };
}

function splitTitle(parts: string[]): { suite: string[]; name: string } {
  const cleaned = parts.map((part) => part.trim());
  const name = cleaned.pop() ?? '';
  return { suite: cleaned, name };
}
