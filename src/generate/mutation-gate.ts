// "Assertions must matter": a candidate that covers target lines is kept only when it fails on at least one
// mutant of those lines (./mutants.ts). Each mutant is a scratch copy of the source beside it, and the
// candidate (and the existing tests of that file) run from copies whose imports of the source point at the
// mutant: the file on disk, and the module every other file loads, are never changed.

import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { parseImports } from '../graph/parse-imports.ts';
import { MODULE_EXTENSIONS } from '../runners/project-files.ts';
import { parseSource } from './ast.ts';
import { applyMutant, describeMutant, MUTANTS_PER_TARGET, type Mutant, makeMutants } from './mutants.ts';

/** What `accepted[].mutants` says. */
export interface MutationScore {
  /** Counted mutants the candidate fails on. */
  killed: number;
  /** Counted mutants: those made, less those the existing tests already kill (see existingTests). */
  total: number;
  /** Mutants made of the lines it covers, at most `limit`. */
  made: number;
  limit: number;
  /**
   * 'excluded': the existing tests of the file ran against each mutant and those they kill are not counted
   * (`excluded` of them); 'counted': there is no existing test of the file, or it fails unmutated, so all are.
   */
  existingTests: 'excluded' | 'counted';
  excluded?: number;
  /** Set when the file has existing tests that failed on an unchanged copy of it, twice: why all count. */
  existingFailed?: string;
  /** Why the assertions could not be checked (no mutant could be made, or a copy of the test fails unmutated). */
  unchecked?: string;
}

/** A test file to run against mutants: its code as it runs from `template`, a discoverable scratch name. */
export interface MutantTest {
  /** Repository-relative; holds the scratch token `.testloop-<8 hex>.` that each copy replaces. */
  template: string;
  code: string;
}

export interface GateRun {
  /** The source as the runner sees it (the sandbox's copy), repository-relative path and text. */
  file: string;
  source: string;
  /** Target lines the candidate covers. */
  lines: number[];
  candidate: MutantTest;
  /** Tests of the same file that pass unmutated; undefined when there are none. */
  existing?: MutantTest[];
  /** Writes a scratch file, removed when the validation ends. */
  write(file: string, content: string): void;
  /** Runs test files (repository-relative) in one runner run: true when all of them passed. */
  passes(files: string[]): Promise<boolean>;
  /**
   * Runs test files in one runner run, one after another, within `timeoutMs`: each file's verdict (true:
   * passed), where the runner's own report tells it. Absent where the runner cannot say per file: every
   * mutant then gets a run of its own.
   */
  verdicts?(files: string[], timeoutMs: number): Promise<ReadonlyMap<string, boolean>>;
  /** Mutant verdicts of the existing tests, by mutant key, kept between candidates of the same file. */
  existingVerdicts: Map<string, boolean>;
}

export type GateResult =
  | { ok: true; score: MutationScore }
  | { ok: false; score?: MutationScore; failure: string };

/** No change at all: the source as it is, from a copy like every mutant. */
const IDENTITY: Mutant = { line: 0, start: 0, end: 0, replacement: '', original: '', mutated: '' };

const TOKEN = /\.testloop-[0-9a-f]{8}\./;

/** Runs the candidate against the mutants of the lines it covers; see the file comment. */
export async function mutationGate(run: GateRun): Promise<GateResult> {
  const mutants = makeMutants(parseSource(run.file, run.source), run.lines);
  const base = { made: mutants.length, limit: MUTANTS_PER_TARGET };
  if (mutants.length === 0) {
    const unchecked = `no mutant could be made of ${run.file} lines ${run.lines.join(', ')}`;
    return { ok: true, score: { killed: 0, total: 0, ...base, existingTests: 'counted', unchecked } };
  }
  if (directImports(run.candidate, run.file).length === 0) {
    return {
      ok: false,
      failure: `imports ${run.file} only through other modules, so its assertions cannot be checked against faults in it: import it directly`,
    };
  }
  // The candidate from a copy, loading an unchanged copy of the source: that must pass, or a failure on a
  // mutant would say nothing about the mutant.
  const identityStarted = performance.now();
  if (!(await run.passes([copyTest(run, run.candidate, writeMutant(run, IDENTITY))]))) {
    const unchecked = `the test fails when it loads a copy of ${run.file}, so mutants of it cannot be judged`;
    return { ok: true, score: { killed: 0, total: 0, ...base, existingTests: 'counted', unchecked } };
  }
  const batch: Batch = { runMs: performance.now() - identityStarted };
  const existing = run.existing && (await passUnmutated(run, run.existing)) ? run.existing : undefined;
  const existingTests = existing ? ('excluded' as const) : ('counted' as const);
  const existingFailed =
    run.existing && !existing
      ? `the existing tests of ${run.file} (${run.existing.length} file(s)) failed twice on an unchanged copy of it, so every mutant counts`
      : undefined;
  const caught = existing ? await killedByExisting(run, mutants, existing, batch) : new Set<Mutant>();
  const counted = mutants.filter((mutant) => !caught.has(mutant));
  const excluded = mutants.length - counted.length;
  const candidateCopies = (mutant: Mutant) => [testCopy(run, run.candidate, writeMutant(run, mutant))];
  const passed = await groupsPass(run, counted.map(candidateCopies), () => candidateCopies(IDENTITY), batch);
  const survivors = counted.filter((_, i) => passed[i]);
  const killed = counted.length - survivors.length;
  const total = mutants.length - excluded;
  const score: MutationScore = {
    killed,
    total,
    ...base,
    existingTests,
    ...(existing ? { excluded } : {}),
    ...(existingFailed === undefined ? {} : { existingFailed }),
  };
  if (killed > 0) return { ok: true, score };
  if (total === 0) {
    const failure = `the existing tests of ${run.file} already fail on all ${excluded} mutant(s) of the lines it covers`;
    return { ok: false, score, failure };
  }
  return { ok: false, score, failure: survivorReport(run.file, survivors, excluded) };
}

/** Bytes of padding between two files of a batch: more than the runners' size ties need. */
const PAD_STEP = 16;

/**
 * Writes test copies, each group's files paths back. For a batch (`inOrder`), jest and vitest start the
 * largest test file first where no earlier run of it was recorded (these copies have new names): each
 * file is padded with a comment to a size that falls along the batch, so they run in its order, and the
 * sentinel last, where it sees what the others left behind.
 */
function writeCopies(run: GateRun, groups: readonly TestCopy[][], inOrder: boolean): string[][] {
  const size = (copy: TestCopy) => Buffer.byteLength(copy.code);
  const all = groups.flat();
  const largest = Math.max(0, ...all.map(size));
  let place = 0;
  return groups.map((group) =>
    group.map((copy) => {
      const pad = largest - size(copy) + (all.length - place++) * PAD_STEP;
      run.write(copy.path, inOrder ? `${copy.code}\n//${' '.repeat(pad)}\n` : copy.code);
      return copy.path;
    }),
  );
}

function survivorReport(file: string, survivors: readonly Mutant[], excluded: number): string {
  const others = excluded > 0 ? ` (besides ${excluded} the existing tests already catch)` : '';
  return [
    `the test still passes when ${file} is changed in any of these ways${others}; add assertions on the results that fail on them:`,
    ...survivors.map((mutant) => `- ${describeMutant(mutant)}`),
  ].join('\n');
}

/** The existing tests, from copies loading an unchanged copy of the source, pass: their verdicts mean something. */
async function passUnmutated(run: GateRun, tests: readonly MutantTest[]): Promise<boolean> {
  const key = `${run.file}\0unmutated`;
  let passed = run.existingVerdicts.get(key);
  if (passed === undefined) {
    const sourceFile = writeMutant(run, IDENTITY);
    const once = () => run.passes(tests.map((test) => copyTest(run, test, sourceFile)));
    // One failure on a busy machine (a timeout) must not cost every later candidate of the file its
    // baseline: a second run decides, and the score says when both failed.
    passed = (await once()) || (await once());
    run.existingVerdicts.set(key, passed);
  }
  return passed;
}

/** The mutants the existing tests fail on: their verdicts are kept for the file's later candidates. */
async function killedByExisting(
  run: GateRun,
  mutants: readonly Mutant[],
  tests: readonly MutantTest[],
  batch: Batch,
): Promise<Set<Mutant>> {
  const keyOf = (mutant: Mutant) => `${run.file}\0${mutant.start}\0${mutant.end}\0${mutant.replacement}`;
  const unknown = mutants.filter((mutant) => !run.existingVerdicts.has(keyOf(mutant)));
  const copies = (mutant: Mutant) => {
    const mutantFile = writeMutant(run, mutant);
    return tests.map((test) => testCopy(run, test, mutantFile));
  };
  const passed = await groupsPass(run, unknown.map(copies), () => copies(IDENTITY), batch);
  unknown.forEach((mutant, i) => {
    run.existingVerdicts.set(keyOf(mutant), !passed[i]);
  });
  return new Set(mutants.filter((mutant) => run.existingVerdicts.get(keyOf(mutant))));
}

/** What the gate knows of one run of the candidate's file: how long it took, for a batch's time limit. */
interface Batch {
  runMs: number;
}

/** A batch may take as long as its files would one by one, twice over, and never less than one run. */
const BATCH_SLACK = 2;

/**
 * Whether each group of test files passes. With a runner that says per file (`run.verdicts`), all groups
 * go in one run, one file after another, followed by the sentinel (`sentinelCopies`, written only then):
 * the same tests against the unchanged source. Only if the sentinel passes there are the run's verdicts
 * taken (a failure could otherwise be the doing of a file before it); a group the run does not speak for
 * runs on its own, as does every group when the runner cannot say per file.
 */
async function groupsPass(
  run: GateRun,
  copies: readonly TestCopy[][],
  sentinelCopies: () => TestCopy[],
  batch: Batch,
): Promise<boolean[]> {
  let verdicts: ReadonlyMap<string, boolean> = new Map();
  const batchRun = copies.length > 1 ? run.verdicts?.bind(run) : undefined;
  const written = writeCopies(run, batchRun ? [...copies, sentinelCopies()] : copies, batchRun !== undefined);
  const groups = written.slice(0, copies.length);
  if (batchRun) {
    const sentinel = written[copies.length]!;
    const files = written.flat();
    const limit = Math.round(BATCH_SLACK * batch.runMs * files.length);
    const ran = await batchRun(files, limit);
    if (sentinel.every((file) => ran.get(file) === true)) verdicts = ran;
  }
  const passed: boolean[] = [];
  for (const files of groups) {
    const known = files.map((file) => verdicts.get(file));
    if (known.includes(false)) passed.push(false);
    else if (known.every((verdict) => verdict === true)) passed.push(true);
    else passed.push(await run.passes(files));
  }
  return passed;
}

/** Writes the mutant beside the source (`price.testloop-mut-<hex>.ts`); a mutant of no length is the source as is. */
function writeMutant(run: GateRun, mutant: Mutant): string {
  const ext = posix.extname(run.file);
  const hex = randomBytes(4).toString('hex');
  const mutantFile = `${run.file.slice(0, run.file.length - ext.length)}.testloop-mut-${hex}${ext}`;
  run.write(mutantFile, applyMutant(run.source, mutant));
  return mutantFile;
}

/** A copy of `test`, not yet written, whose imports of the source load `mutantFile`. */
interface TestCopy {
  path: string;
  code: string;
}

function testCopy(run: GateRun, test: MutantTest, mutantFile: string): TestCopy {
  const path = test.template.replace(TOKEN, `.testloop-${randomBytes(4).toString('hex')}.`);
  return { path, code: pointImports(test, path, run.file, mutantFile) };
}

/** Writes a copy of `test` whose imports of the source load `mutantFile`; returns the copy's path. */
function copyTest(run: GateRun, test: MutantTest, mutantFile: string): string {
  const copy = testCopy(run, test, mutantFile);
  run.write(copy.path, copy.code);
  return copy.path;
}

/** The test's code with its imports of `file` pointed at `mutantFile`, as seen from `copy`. */
function pointImports(test: MutantTest, copy: string, file: string, mutantFile: string): string {
  const dir = posix.dirname(copy);
  let code = test.code;
  for (const { specifier, form } of directImports(test, file)) {
    const ext = posix.extname(mutantFile);
    const stem = mutantFile.slice(0, mutantFile.length - ext.length);
    const target = form === 'exact' ? mutantFile : form === 'js' ? stem + posix.extname(specifier) : stem;
    let moved = posix.relative(dir, target);
    if (!moved.startsWith('.')) moved = `./${moved}`;
    for (const quote of ["'", '"', '`'])
      code = code.split(`${quote}${specifier}${quote}`).join(`${quote}${moved}${quote}`);
  }
  return code;
}

type Form = 'exact' | 'bare' | 'js' | 'index';

/** Whether `test` (repository-relative, its code) imports `file` itself with a relative specifier. */
export function importsDirectly(test: string, code: string, file: string): boolean {
  return directImports({ template: test, code }, file).length > 0;
}

/** The relative imports of `test` that name `file` itself, and how (with its extension, without, …). */
function directImports(test: MutantTest, file: string): { specifier: string; form: Form }[] {
  const dir = posix.dirname(test.template);
  const found = new Map<string, Form>();
  for (const { specifier } of parseImports(test.template, test.code).imports) {
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
    const path = posix.join(dir, specifier.replace(/[?#].*$/, ''));
    const form = formOf(path, file);
    if (form !== undefined) found.set(specifier, form);
  }
  return [...found].map(([specifier, form]) => ({ specifier, form }));
}

function formOf(path: string, file: string): Form | undefined {
  if (path === file) return 'exact';
  if (MODULE_EXTENSIONS.some((ext) => path + ext === file)) return 'bare';
  const js = /\.([cm]?)js(x?)$/.exec(path);
  if (js && [`.${js[1]}ts`, `.${js[1]}tsx`].some((ts) => path.slice(0, js.index) + ts === file)) return 'js';
  if (MODULE_EXTENSIONS.some((ext) => posix.join(path, `index${ext}`) === file)) return 'index';
  return undefined;
}
