import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative, sep } from 'node:path';
import { escapeRegExp } from '../util/regexp.ts';

/** How many lines of runner output a failure keeps for the repair prompt. */
const FAILURE_LINES = 60;

export interface Names {
  /** Repository-relative scratch file and the test file it stands for. */
  scratch: string;
  testFile: string;
  root: string;
  /** The root with symlinks resolved, as runners often print it. */
  realRoot: string;
  /** The package folder the runner ran in. */
  dir: string;
}

const NOISE = [
  // Stack frames outside the project: `at f (node:internal/…)`, `#     at …`, `❯ f ../node_modules/…`,
  // and node:test's bare `Test.run (node:internal/…)` lines.
  /^\s*(?:#\s+)?(?:at\s+|❯\s+)?(?:[^()]*?\s\(?)?(?:node:|<anonymous>|[^()\s]*node_modules\/)[^()\s]*\)?\s*\{?\s*$/,
  /^\s*⎯+/,
  /^\s*(?:RUN\b|Start at\b|Duration\b|Snapshots:|Time:|Ran all test suites\b|Coverage enabled\b)/,
  // jest's obsolete snapshot files: they belong to deleted test files, never to the file that ran.
  /^Snapshot Summary$|^\s*› \d+ snapshot files? obsolete from |^\s*(?:↳\s*)?•\s*\S+\.snap$/,
  // testloop's own: where jest wrote the `--json` results it was asked for.
  /^Test results written to: /,
  // testloop's own: the repeating runner of older vitest 4 releases imports the deprecated vitest/runners.
  /^Importing from "vitest\/runners" is deprecated/,
  /^\s*(?:# )?(?:duration_ms|suites|cancelled)\b/,
  /^(?:# )?Node\.js v\d/,
  /^TAP version/,
];
const ERROR_MARK = /FAIL|●|not ok|✖|×|Error|error:|Cannot find|timed out|failed/;

/**
 * The runner's output as a repair prompt needs it: colors gone, the scratch file named as the test
 * file, paths repository-relative, library stack frames and banners dropped, from just before the first
 * error, at most FAILURE_LINES lines, and the same text for the same failure on every run (no durations,
 * clock times or temp paths), so a rerun's repair prompt hits the reply cache.
 */
export function trimOutput(text: string, names: Names): string {
  const fromDir = (file: string): string => relative(names.dir, join(names.root, file)).split(sep).join('/');
  let out = text;
  for (const root of new Set([names.root, names.realRoot])) {
    out = out.split(`file://${root}/`).join('').split(`${root}${sep}`).join('');
  }
  out = out.split(names.scratch).join(names.testFile);
  out = out.split(fromDir(names.scratch)).join(fromDir(names.testFile));
  out = out.split(posix.basename(names.scratch)).join(posix.basename(names.testFile));
  const lines: string[] = [];
  for (const line of out.split(/\r?\n/)) {
    if (NOISE.some((noise) => noise.test(line))) continue;
    if (line.trim() === '' && (lines.length === 0 || lines.at(-1)!.trim() === '')) continue;
    lines.push(line.trimEnd());
  }
  const first = lines.findIndex((line) => ERROR_MARK.test(line));
  const start = first < 0 ? 0 : Math.max(0, first - 2);
  return withoutVolatile(lines.slice(start, start + FAILURE_LINES).join('\n')).trim();
}

/** A duration at the end of a result line (`× name 68ms`, `file (1 test) 70ms (repeat x2)`). */
const TRAILING_DURATION = / \d+(?:\.\d+)? ?m?s(?=(?: \((?:repeat|retry) x\d+\))?$)/gm;
/** A duration in parentheses (`✕ name (36 ms)`, `✔ name (1.2ms)`). */
const PAREN_DURATION = / \(\d+(?:\.\d+)? ?m?s\)/g;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const CLOCK_TIME = /(?<![\w.:/])\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?![\w:])/g;

/** Durations, timestamps and temp paths: what differs between two runs of the same candidate. */
export function withoutVolatile(text: string): string {
  let out = text.replace(TRAILING_DURATION, '').replace(PAREN_DURATION, '');
  out = out.replace(ISO_TIME, '<time>').replace(CLOCK_TIME, '<time>');
  for (const temp of tempRoots()) {
    const escaped = escapeRegExp(temp);
    // The whole path under the temp folder becomes <tmp>/ and its file name: random folder names go.
    out = out.replace(
      new RegExp(`${escaped}[\\\\/][^\\s'"\`)]*`, 'g'),
      (path) => `<tmp>/${posix.basename(path.replace(/\\/g, '/'))}`,
    );
  }
  return out;
}

let temps: string[] | undefined;
function tempRoots(): string[] {
  if (temps === undefined) {
    const dir = tmpdir();
    let real = dir;
    try {
      real = realpathSync(dir);
    } catch {}
    // Longest first: /private/var/… before /var/….
    temps = [...new Set([real, dir, '/tmp'])].filter((t) => t.length > 1).sort((a, b) => b.length - a.length);
  }
  return temps;
}
