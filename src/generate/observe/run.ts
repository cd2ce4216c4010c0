// One run of the instrumented copy: written beside the test file, run by the package's runner with the
// test's name filter, a scrubbed environment, a temp folder of its own and a time limit, then removed
// with whatever the run left in that temp folder.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunResult, runTests } from '../../runners/run.ts';
import type { ProjectInfo, RunnerAdapter, TestName } from '../../runners/types.ts';
import { makeTempDir, scrubEnv, writeScratch } from '../sandbox.ts';
import { OBSERVE_FILE_VARIABLE, type Observation } from './recorder.ts';

interface InstrumentedRun {
  root: string;
  project: ProjectInfo;
  adapter: RunnerAdapter;
  /** Repository-relative path of the copy (see placeScratch). */
  scratch: string;
  source: string;
  test: TestName;
  timeoutMs: number;
  /** The environment to scrub. */
  env: Record<string, string | undefined>;
}

export async function runInstrumented(
  options: InstrumentedRun,
): Promise<{ run: RunResult; seen: Record<string, Observation> }> {
  const out = makeTempDir('testloop-observe-');
  const observations = join(out.path, 'observed.json');
  // The run's own temp folder: what a runner killed at the time limit leaves there goes with it.
  const runTmp = join(out.path, 'tmp');
  mkdirSync(runTmp);
  const copy = writeScratch(options.root, options.scratch, options.source);
  try {
    const run = await runTests(options.project, options.adapter, [options.scratch], {
      output: 'capture',
      timeoutMs: options.timeoutMs,
      baseEnv: { ...scrubEnv(options.env), CI: 'true' },
      env: { [OBSERVE_FILE_VARIABLE]: observations, TMPDIR: runTmp, TMP: runTmp, TEMP: runTmp },
      testName: options.test,
    });
    return { run, seen: readObservations(observations) };
  } finally {
    copy.remove();
    out.remove();
  }
}

/** What the recorder wrote; nothing when the line never ran (no file) or the run was cut mid-write. */
function readObservations(path: string): Record<string, Observation> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, Observation>;
  } catch {
    return {};
  }
}
