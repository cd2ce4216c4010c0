/**
 * The stress conditions of the flaky-kinds fixture (test/fixtures/triage/flaky-kinds), run with the real
 * vitest and jest in child processes. Many runs share one runner process where the condition allows it:
 * copies of a test file run one after another in one process (each copy is a run of the test alone), and
 * the three variants of a test file (original, correct fix, partial fix) run side by side when they
 * cannot disturb each other. bench/flaky-kinds.js bundles this file, so it imports nothing from vitest.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE = fileURLToPath(new URL('../fixtures/triage/flaky-kinds', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

export type Runner = 'vitest' | 'jest';
export const RUNNERS: readonly Runner[] = ['vitest', 'jest'];
export type Condition = 'isolated' | 'shuffled' | 'parallel' | 'cpu-load' | 'timezone' | 'locale';
export const CONDITIONS: readonly Condition[] = [
  'isolated',
  'shuffled',
  'parallel',
  'cpu-load',
  'timezone',
  'locale',
];
export type Variant = 'original' | 'correct' | 'partial';

export interface KindEntry {
  kind: string;
  file: string;
  /** The runner's full name of the test (suites and name, space-separated), and its parts. */
  test: string;
  suite: string[];
  name: string;
  testId: string;
  condition: Condition;
  expectedRate: number;
  /** The failure rate the partial fix keeps under the condition (a lower bound). */
  partialRate: number;
  cause: string;
  correctFix: string;
  partialFix: string;
  /** Other test files of the project the flake needs (the one that holds the same port or file). */
  counterparts?: string[];
}

export interface Manifest {
  projects: Record<Runner, string>;
  kinds: KindEntry[];
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(join(FIXTURE, 'manifest.json'), 'utf8')) as Manifest;
}

/** The zones and locales the conditions cycle through, one per run. */
export const TIMEZONES = ['Pacific/Kiritimati', 'America/Adak'];
export const LOCALES = ['de_DE.UTF-8', 'tr_TR.UTF-8'];

/** Source of one variant of a kind's test file, as it would replace the file in the project. */
export function variantSource(entry: KindEntry, variant: Variant, runner: Runner = 'vitest'): string {
  const path =
    variant === 'original'
      ? join(FIXTURE, runner, entry.file)
      : join(FIXTURE, variant === 'correct' ? entry.correctFix : entry.partialFix);
  return readFileSync(path, 'utf8');
}

/** A scratch copy of the fixture with the repository's node_modules linked in (not its caches). */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'testloop-flaky-kinds-'));
  private batches = 0;

  constructor() {
    cpSync(FIXTURE, this.dir, { recursive: true });
    mkdirSync(join(this.dir, 'node_modules'));
    for (const entry of readdirSync(NODE_MODULES)) {
      if (!entry.startsWith('.vite') && entry !== '.cache')
        symlinkSync(join(NODE_MODULES, entry), join(this.dir, 'node_modules', entry));
    }
  }

  /** A fresh folder for one batch's temp files, reports and caches. */
  batchDir(): string {
    const dir = join(this.dir, '.batches', String(++this.batches));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One test file of a batch: its name under the project's tests/ folder and its source. */
export interface BatchFile {
  name: string;
  source: string;
}

export interface Batch {
  runner: Runner;
  files: BatchFile[];
  /** Full test names to run (the rest of each file is skipped); all tests when absent. */
  only?: string[];
  /** Shuffle the order of tests (and files) with this seed. */
  seed?: number;
  /** Files at once: 1 runs them one after another. */
  workers: number;
  /** vitest: a module graph per file (the default); off, copies of a file share one worker's modules. */
  isolate?: boolean;
  env?: Record<string, string>;
  /** Keep every core busy with a spinning child process while the batch runs. */
  cpuLoad?: boolean;
}

export interface TestOutcome {
  /** The batch file's name. */
  file: string;
  fullName: string;
  failed: boolean;
  message?: string;
}

export interface BatchResult {
  outcomes: TestOutcome[];
  seconds: number;
  /** The runner's output when its report was missing. */
  output?: string;
}

let nextPort = 20_000 + (process.pid % 2_000) * 10;

/**
 * Runs one batch in a runner process in the scratch copy and reads every test's outcome from the
 * runner's JSON report. The project's tests/ folder holds exactly the batch's files during the run, so
 * batches of one runner wait for each other; vitest and jest batches may overlap. Each batch gets a TMPDIR and a
 * status port of its own, so that only files of the same batch share them.
 */
export function runBatch(scratch: Scratch, batch: Batch): Promise<BatchResult> {
  // One batch of a runner at a time: its project's tests/ folder is the batch's.
  const key = `${scratch.dir}:${batch.runner}`;
  const result = (running.get(key) ?? Promise.resolve()).then(() => runAlone(scratch, batch));
  running.set(
    key,
    result.then(
      () => {},
      () => {},
    ),
  );
  return result;
}

const running = new Map<string, Promise<void>>();

async function runAlone(scratch: Scratch, batch: Batch): Promise<BatchResult> {
  const project = join(scratch.dir, batch.runner);
  const tests = join(project, 'tests');
  rmSync(tests, { recursive: true, force: true });
  mkdirSync(tests);
  // Each variant's folder reaches a copy of src/ of its own (see variantFolder).
  cpSync(join(scratch.dir, 'src'), join(project, 'src'), { recursive: true });
  cpSync(join(scratch.dir, 'src'), join(tests, 'src'), { recursive: true });
  for (const file of batch.files) {
    mkdirSync(dirname(join(tests, file.name)), { recursive: true });
    writeFileSync(join(tests, file.name), file.source);
  }
  const dir = scratch.batchDir();
  const report = join(dir, 'report.json');
  nextPort = nextPort >= 65_000 ? 20_000 : nextPort + 1;
  const env = {
    ...process.env,
    CI: '',
    GITHUB_ACTIONS: '',
    NO_COLOR: '1',
    TMPDIR: dir,
    STATUS_PORT: String(nextPort),
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    LC_ALL: 'en_US.UTF-8',
    ...batch.env,
  };
  const argv = batch.runner === 'vitest' ? vitestArgs(batch, report) : jestArgs(batch, report, dir);
  const load = batch.cpuLoad ? busyChildren() : [];
  const started = performance.now();
  try {
    const output = await run(argv, project, env);
    const seconds = (performance.now() - started) / 1000;
    const text = (() => {
      try {
        return readFileSync(report, 'utf8');
      } catch {
        return undefined;
      }
    })();
    if (text === undefined) return { outcomes: [], seconds, output };
    return { outcomes: readReport(text, tests), seconds };
  } finally {
    for (const child of load) child.kill('SIGKILL');
  }
}

function namePattern(names: readonly string[]): string {
  return `^(?:${names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
}

function vitestArgs(batch: Batch, report: string): string[] {
  const argv = [
    join(NODE_MODULES, 'vitest', 'vitest.mjs'),
    'run',
    '--reporter=json',
    `--outputFile=${report}`,
  ];
  if (batch.workers <= 1) argv.push('--no-file-parallelism');
  else argv.push(`--maxWorkers=${batch.workers}`);
  if (batch.isolate === false) argv.push('--no-isolate');
  if (batch.seed !== undefined) argv.push('--sequence.shuffle', `--sequence.seed=${batch.seed}`);
  if (batch.only) argv.push('-t', namePattern(batch.only));
  return argv;
}

function jestArgs(batch: Batch, report: string, dir: string): string[] {
  // A cache of the batch's own: jest runs in band whenever its cache says the tests are fast.
  const argv = [join(NODE_MODULES, 'jest', 'bin', 'jest.js'), '--json', `--outputFile=${report}`];
  argv.push(`--cacheDirectory=${join(dir, 'jest-cache')}`);
  if (batch.workers <= 1) argv.push('--runInBand');
  else argv.push(`--maxWorkers=${batch.workers}`);
  if (batch.seed !== undefined) argv.push('--randomize', `--seed=${batch.seed}`);
  if (batch.only) argv.push('-t', namePattern(batch.only));
  return argv;
}

function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', () => resolve(output.slice(-4000)));
  });
}

function busyChildren(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

interface JsonReport {
  testResults: Array<{
    name: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }>;
  }>;
}

/** vitest's and jest's JSON reports have the same shape: files with their tests' full names. */
function readReport(text: string, tests: string): TestOutcome[] {
  const report = JSON.parse(text) as JsonReport;
  const outcomes: TestOutcome[] = [];
  for (const file of report.testResults) {
    const name = file.name.slice(tests.length + 1);
    for (const test of file.assertionResults) {
      if (test.status !== 'passed' && test.status !== 'failed') continue;
      const message = test.failureMessages?.[0]?.split('\n')[0];
      outcomes.push({
        file: name,
        fullName: test.fullName,
        failed: test.status === 'failed',
        ...(message ? { message } : {}),
      });
    }
    // A file that failed to load (or in a hook) has no passed test to show for it.
    if (file.assertionResults.length === 0 && file.message)
      outcomes.push({ file: name, fullName: '', failed: true, message: file.message.split('\n')[0] });
  }
  return outcomes;
}

export interface Tally {
  runs: number;
  failures: number;
  seconds: number;
  /** First line of each distinct failure message. */
  messages: string[];
}

/** One kind's test file in one variant. */
export interface Sample {
  entry: KindEntry;
  variant: Variant;
}

export const sampleKey = (sample: Sample): string => `${sample.entry.kind}/${sample.variant}`;

/**
 * `runs` runs of each sample's test under `condition`, with as few runner processes as the condition
 * allows; the tally per sample key. Seconds are the wall time of the batches a sample took part in,
 * shared out by the number of samples in each. A run whose test the report does not list throws.
 */
export async function sampleCondition(
  scratch: Scratch,
  runner: Runner,
  condition: Condition,
  samples: readonly Sample[],
  runs: number,
): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>(
    samples.map((sample) => [sampleKey(sample), { runs: 0, failures: 0, seconds: 0, messages: [] }]),
  );
  for (const plan of batchesFor(runner, condition, samples, runs)) {
    const result = await runBatch(scratch, { runner, ...plan.batch });
    for (const [name, sample] of plan.targets) {
      const outcome =
        result.outcomes.find((o) => o.file === name && o.fullName === sample.entry.test) ??
        result.outcomes.find((o) => o.file === name && o.fullName === '');
      if (!outcome) {
        throw new Error(
          `${runner} did not report "${sample.entry.test}" of ${name} (${condition})\n${result.output ?? ''}`,
        );
      }
      const tally = tallies.get(sampleKey(sample))!;
      tally.runs++;
      tally.seconds += result.seconds / plan.targets.size;
      if (outcome.failed) {
        tally.failures++;
        const message = outcome.message ?? '(no message)';
        if (!tally.messages.includes(message)) tally.messages.push(message);
      }
    }
  }
  return tallies;
}

interface Plan {
  batch: Omit<Batch, 'runner'>;
  /** File name in the batch → the sample whose run it is. */
  targets: Map<string, Sample>;
}

/**
 * Where a variant's files go under tests/: the test files import `../../src/…`, so from each of these
 * folders that is a different copy of src/, and variants of one kind run in one process never share
 * module state (a polluted singleton, a leaked timer's counter).
 */
const variantFolder: Record<Variant, string> = { original: '', correct: 'correct/', partial: 'partial/p/' };

function fileName(sample: Sample, copy: number): string {
  return `${variantFolder[sample.variant]}${sample.entry.kind}.${copy}.test.ts`;
}

function batchesFor(runner: Runner, condition: Condition, samples: readonly Sample[], runs: number): Plan[] {
  switch (condition) {
    case 'isolated':
      return copies(runner, samples, runs, [{}]);
    case 'cpu-load':
      return copies(runner, samples, runs, [{}], true);
    case 'timezone':
      return copies(
        runner,
        samples,
        runs,
        TIMEZONES.map((zone) => ({ TZ: zone })),
      );
    case 'locale':
      return copies(
        runner,
        samples,
        runs,
        LOCALES.map((locale) => ({ LANG: locale, LC_ALL: locale })),
      );
    case 'shuffled':
      return Array.from({ length: runs }, (_, run) =>
        together(runner, samples, run, { seed: randomSeed(), workers: 1, isolate: false }),
      );
    case 'parallel':
      return Array.from({ length: runs }, (_, run) =>
        // Two variants that both hold the fixed port or file would disturb each other: the correct fix
        // holds neither, so it runs beside the original, and the partial one runs apart.
        [samples.filter((s) => s.variant !== 'partial'), samples.filter((s) => s.variant === 'partial')]
          .filter((group) => group.length > 0)
          .map((group) => {
            const counterparts = [...new Set(group.flatMap((s) => s.entry.counterparts ?? []))];
            const plan = together(runner, group, run, { workers: group.length + counterparts.length });
            for (const file of counterparts)
              plan.batch.files.push({
                name: file.replace(/^tests\//, ''),
                source: readFileSync(join(FIXTURE, runner, file), 'utf8'),
              });
            plan.batch.workers = plan.batch.files.length;
            return plan;
          }),
      ).flat();
  }
}

/**
 * A random seed per run: jest's generator (xoroshiro128+ on a 32-bit seed) gives orders that follow the
 * seed's pattern for seeds in a row (1, 2, 3… keeps a file's first test first every time), so a series of
 * made-up seeds can miss an order a random one finds.
 */
function randomSeed(): number {
  return randomInt(1, 2_147_483_647);
}

/**
 * Each run is a copy of the test file, run alone (a name filter) in one process, one file after another;
 * with several environments, the runs are dealt out among them in turn, one process each.
 */
function copies(
  runner: Runner,
  samples: readonly Sample[],
  runs: number,
  envs: Array<Record<string, string>>,
  cpuLoad = false,
): Plan[] {
  return envs.map((env, index) => {
    const targets = new Map<string, Sample>();
    const files: BatchFile[] = [];
    const sources = samples.map((sample) => variantSource(sample.entry, sample.variant, runner));
    const longest = Math.max(...sources.map((source) => source.length));
    samples.forEach((sample, s) => {
      for (let run = index; run < runs; run += envs.length) {
        const name = fileName(sample, run);
        targets.set(name, sample);
        // Both runners start the largest file first: padding every file of run r to one size, larger for
        // earlier runs, runs r of all samples together, so runs of one test are apart in time as separate
        // runs are (a test whose outcome follows the clock's phase would fail or pass many times in a row).
        const pad = longest + 20 + (runs - run) * 16 - sources[s]!.length;
        files.push({ name, source: `${sources[s]}\n//${' '.repeat(pad)}\n` });
      }
    });
    const only = [...new Set(samples.map((s) => s.entry.test))];
    // The filter leaves only tests that change no module state, so copies may share one worker's modules.
    return { batch: { files, only, workers: 1, isolate: false, env, cpuLoad }, targets };
  });
}

/** One run of each sample's whole file, all in one process. */
function together(
  runner: Runner,
  samples: readonly Sample[],
  run: number,
  options: { seed?: number; workers: number; isolate?: boolean },
): Plan {
  const targets = new Map<string, Sample>();
  const files: BatchFile[] = [];
  for (const sample of samples) {
    const name = fileName(sample, run);
    targets.set(name, sample);
    files.push({ name, source: variantSource(sample.entry, sample.variant, runner) });
  }
  return { batch: { files, ...options }, targets };
}
