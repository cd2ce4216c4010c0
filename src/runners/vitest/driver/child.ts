// The long-lived validation process for a vitest package (built to dist/runners/vitest-driver.js, started by
// ./driver.ts with a scrubbed environment, in its own process group). It loads the PROJECT's vitest through
// its Node API once and runs candidate test files on request, so a validation run costs a worker process,
// not a whole vitest start. Test code never runs here: every file runs in a fresh forked worker
// (pool 'forks', isolate), one file after another, as `vitest run --isolate --no-file-parallelism` would.
//
// Self-contained on purpose (Node built-ins only): it must start without testloop's bundle around it.

import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { TestModule, TestProject, TestSpecification, Vitest } from 'vitest/node';
import type { DriverReply, DriverRequest, DriverStart, RepeatResult } from './protocol.ts';

const start = JSON.parse(process.argv[2] ?? '{}') as DriverStart;
let current: number | undefined;

function send(reply: DriverReply): void {
  process.send?.(reply);
}

/** The reporter's output, passed on to the parent as it comes, tagged with the request it belongs to. */
const output = new Writable({
  write(chunk: Buffer | string, _encoding, done) {
    send({ type: 'output', id: current, text: chunk.toString() });
    done();
  },
});
// Each worker's own stdout is piped into this stream, and pipe() ends it when the worker exits: it stays open.
output.end = () => output;

async function open(): Promise<Vitest> {
  const api = (await import(pathToFileURL(start.vitestNode).href)) as typeof import('vitest/node');
  if (typeof api.createVitest !== 'function') throw new Error('this vitest has no createVitest');
  const vitest = await api.createVitest(
    'test',
    {
      watch: false,
      root: start.root,
      ...(start.config === undefined ? {} : { config: start.config }),
      ...(start.dir === undefined ? {} : { dir: start.dir }),
      // One fresh worker process per test file, one file at a time: each run as if it ran alone.
      pool: 'forks',
      isolate: true,
      fileParallelism: false,
      // The default reporter only: generate's validator reads its lines; no configured reporter writes.
      reporters: ['default'],
      coverage: {
        enabled: false,
        reporter: ['json'],
        reportsDirectory: start.reportsDir,
        reportOnFailure: true,
      },
    },
    {},
    { stdout: output as NodeJS.WriteStream, stderr: output as NodeJS.WriteStream },
  );
  for (const method of [
    'standalone',
    'runTestSpecifications',
    'enableCoverage',
    'disableCoverage',
  ] as const) {
    if (typeof vitest[method] !== 'function') throw new Error(`this vitest has no ${method}()`);
  }
  // Reporters and the test file list, without running anything.
  await vitest.standalone();
  return vitest;
}

/** Specifications for exactly these files, in every project whose include patterns take them. */
function specificationsOf(vitest: Vitest, files: readonly string[]): TestSpecification[] | undefined {
  const specs: TestSpecification[] = [];
  for (const file of files) {
    const projects = vitest.projects.filter((project) => project.matchesTestGlob(file));
    if (projects.length === 0) return undefined;
    for (const project of projects) specs.push(project.createSpecification(file));
  }
  return specs;
}

/**
 * Points the coverage provider at this request's target sources (as `--coverage.include` does). vitest
 * resolves `coverage.include` once, when the provider starts; its resolved options are the place to change
 * it between runs. A provider without them keeps the project's include, which only costs time.
 */
function includeOnly(vitest: Vitest, include: readonly string[]): void {
  const provider = (vitest as unknown as { coverageProvider?: unknown }).coverageProvider as
    | { options?: { include?: unknown }; globCache?: Map<string, boolean> }
    | null
    | undefined;
  if (provider?.options === undefined || !(provider.globCache instanceof Map)) return;
  provider.options.include = [...include];
  provider.globCache.clear();
}

/** The value the repeating runner reads (through vitest's provide/inject) for the repeats of this run. */
const REPEATS_KEY = 'testloop:repeats';

/**
 * vitest's own runner, each test repeated as many more times as the run provides (vitest's `repeats` test
 * option, for every test), recording in the test's meta the repeats it ran with and the first execution
 * that failed. Imported by the workers from the project's own vitest.
 */
function repeatingRunner(vitestNode: string): string | undefined {
  const dist = dirname(vitestNode);
  // vitest 4.1 exports the runner from its main entry and warns on every import of vitest/runners (the
  // warning would reach the output of every run, and from there repair prompts).
  const main = join(dist, 'index.js');
  const runners = join(dist, 'runners.js');
  const fromMain =
    existsSync(main) && /\bas TestRunner\b|[{,]\s*TestRunner\s*[,}]/.test(readFileSync(main, 'utf8'));
  if (!fromMain && !existsSync(runners)) return undefined;
  const source = fromMain
    ? `import { TestRunner as VitestTestRunner } from ${JSON.stringify(pathToFileURL(main).href)};`
    : `import { VitestTestRunner } from ${JSON.stringify(pathToFileURL(runners).href)};`;
  return `${source}
export default class RepeatingRunner extends VitestTestRunner {
  async onBeforeRunTask(test) {
    await super.onBeforeRunTask(test);
    const repeats = this.injectValue(${JSON.stringify(REPEATS_KEY)});
    if (test.mode !== 'run' || typeof repeats !== 'number') return;
    test.repeats = Math.max(test.repeats ?? 0, repeats);
    test.meta.testloopRepeats = repeats;
  }
  async onAfterRetryTask(test, info) {
    await super.onAfterRetryTask?.(test, info);
    if (test.result?.state === 'fail' && test.meta.testloopFailedAt === undefined)
      test.meta.testloopFailedAt = info.repeats;
  }
}
`;
}

/**
 * Runs `work` with the repeating runner in the projects of `specs`, `repeats` provided to it; undefined
 * (and nothing run) when a project has a test runner of its own, which the repeats must not replace.
 */
async function withRepeats<T>(
  specs: readonly TestSpecification[],
  repeats: number,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const projects = [...new Set(specs.map((spec) => spec.project))];
  const runner = start.repeatRunner;
  const config = (project: TestProject) => project.config as { runner?: string };
  if (
    repeatSource === undefined ||
    projects.some((project) => ![undefined, runner].includes(config(project).runner))
  )
    return undefined;
  // Written again for every run, read-only: a candidate that ran before cannot leave another runner here.
  const temp = `${runner}.${process.pid}.tmp`;
  writeFileSync(temp, repeatSource, { mode: 0o444 });
  renameSync(temp, runner);
  for (const project of projects) {
    config(project).runner = runner;
    project.provide(REPEATS_KEY as never, repeats as never);
  }
  try {
    return await work();
  } finally {
    for (const project of projects) {
      delete config(project).runner;
      project.provide(REPEATS_KEY as never, undefined as never);
    }
  }
}

/** Whether every test that ran was repeated, and the first execution in which one failed. */
function repeatResult(modules: readonly TestModule[], repeats: number): RepeatResult {
  let applied = true;
  let firstFailed: number | undefined;
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state !== 'passed' && state !== 'failed') continue;
      const meta = test.meta() as { testloopRepeats?: unknown; testloopFailedAt?: unknown };
      if (meta.testloopRepeats !== repeats) applied = false;
      if (state === 'failed') {
        const at = typeof meta.testloopFailedAt === 'number' ? meta.testloopFailedAt : 0;
        firstFailed = Math.min(firstFailed ?? at, at);
      }
    }
  }
  // A failure after the first execution is named even when some test was not repeated: it is flaky.
  return firstFailed === undefined ? { applied } : { applied, firstFailed };
}

function counts(modules: readonly TestModule[]): { passed: number; failed: number; skipped: number } {
  const out = { passed: 0, failed: 0, skipped: 0 };
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') out.passed++;
      else if (state === 'failed') out.failed++;
      else if (state === 'skipped') out.skipped++;
    }
  }
  return out;
}

async function run(vitest: Vitest, request: DriverRequest): Promise<DriverReply> {
  const files = request.files.map((file) => resolve(file));
  const specs = specificationsOf(vitest, files);
  if (specs === undefined) {
    // What `vitest run <file>` says when its patterns do not take the file.
    output.write('No test files found, exiting with code 1\n');
    return { type: 'done', id: request.id, exitCode: 1 };
  }
  try {
    if (request.coverage) {
      await vitest.enableCoverage();
      includeOnly(vitest, request.coverage.include);
    } else vitest.disableCoverage();
  } catch (error) {
    return { type: 'unsupported', id: request.id, reason: `coverage: ${(error as Error).message}` };
  }
  const repeats = request.repeats ?? 0;
  const runAll = () => vitest.runTestSpecifications(specs, false);
  const repeated = repeats > 0 ? await withRepeats(specs, repeats, runAll) : undefined;
  const result = repeated ?? (await runAll());
  const wanted = new Set(files);
  const modules = result.testModules.filter((module) => wanted.has(resolve(module.moduleId)));
  const failed =
    result.unhandledErrors.length > 0 ||
    modules.length < files.length ||
    modules.some((module) => module.state() !== 'passed' && module.state() !== 'skipped');
  if (request.coverage) {
    const report = join(start.reportsDir, 'coverage-final.json');
    if (existsSync(report)) {
      mkdirSync(request.coverage.dir, { recursive: true });
      copyFileSync(report, join(request.coverage.dir, 'coverage-final.json'));
    }
  }
  return {
    type: 'done',
    id: request.id,
    exitCode: failed ? 1 : 0,
    counts: counts(modules),
    ...(repeats > 0 ? { repeats: repeated ? repeatResult(modules, repeats) : { applied: false } } : {}),
  };
}

/** The repeating runner's source; undefined when the project's vitest has no vitest/runners. */
const repeatSource = repeatingRunner(start.vitestNode);

async function main(): Promise<void> {
  let vitest: Vitest;
  try {
    vitest = await open();
  } catch (error) {
    send({ type: 'unsupported', reason: (error as Error).message ?? String(error) });
    process.exit(0);
  }
  // Requests come one at a time: the parent waits for each reply before it sends the next.
  process.on('message', (message: DriverRequest) => {
    current = message.id;
    run(vitest, message).then(
      (reply) => {
        current = undefined;
        send(reply);
      },
      (error: unknown) => {
        current = undefined;
        send({ type: 'done', id: message.id, exitCode: 1, error: String((error as Error).stack ?? error) });
      },
    );
  });
  process.on('disconnect', () => {
    vitest.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', version: vitest.version });
}

void main();
