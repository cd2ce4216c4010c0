// Where `triage --fix` runs tests: a throwaway copy of the working tree (src/sandbox/: node_modules
// linked, never the user's files), with a scrubbed environment and a time limit per run. Reproduction runs
// in one copy; every candidate fix gets a fresh copy with its files written in.

import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { trimOutput } from '../../generate/runner-output.ts';
import { openSandbox, type Sandbox, scrubEnv } from '../../sandbox/index.ts';
import { rerunTest } from '../rerun-test.ts';
import { conditionRun, underCpuLoad } from './conditions.ts';
import type { FixTarget } from './target.ts';
import type { Condition, FileChange } from './types.ts';

export interface TestRun {
  /** `absent`: the runner ran the file but did not report the test; `unreadable`: it wrote no report. */
  outcome: 'passed' | 'failed' | 'absent' | 'unreadable';
  /** Trimmed runner output (failures only). */
  output?: string;
  timedOut: boolean;
}

export interface Workspace {
  run(target: FixTarget, condition: Condition, attempt: number): Promise<TestRun>;
  close(): void;
}

export interface WorkspaceOptions {
  root: string;
  /** Files written into the copy before any run (a candidate fix). */
  changes?: readonly FileChange[];
  env: Record<string, string | undefined>;
  timeoutMs: number;
}

export function openWorkspace(options: WorkspaceOptions): Workspace {
  const sandbox: Sandbox = openSandbox({ root: options.root, env: options.env });
  for (const change of options.changes ?? []) {
    const path = join(sandbox.root, change.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, change.code);
  }
  // CI=true: runners then never write snapshots, and a snapshot written during a proof proves nothing.
  const baseEnv = sandbox.env({ ...scrubEnv(options.env), CI: 'true' });
  const reports = sandbox.outDir('fix-runs-');
  let runs = 0;
  return {
    async run(target, condition, attempt) {
      const { mode, env } = conditionRun(condition, attempt, target.file, target.testFiles);
      const info = target.project.info;
      const project = { ...info, root: sandbox.root, dir: sandbox.mapPath(info.dir) };
      const once = () =>
        rerunTest(project, target.project.runner, target.file, target, mode, {
          report: join(reports, `run-${++runs}`),
          timeoutMs: options.timeoutMs,
          env,
          baseEnv,
          wrap: sandbox.wrap,
        });
      const { outcome, failure, run } = condition === 'cpu-load' ? await underCpuLoad(once) : await once();
      if (outcome === 'passed') return { outcome, timedOut: run.timedOut };
      const names = {
        scratch: target.file,
        testFile: target.file,
        root: sandbox.root,
        realRoot: realRoot(sandbox.root),
        dir: project.dir,
      };
      // The report's message and stack for the test when it has them; the runner's own output otherwise.
      const text = failure?.trim() ? failure : (run.output ?? '');
      return { outcome, output: trimOutput(text, names), timedOut: run.timedOut };
    },
    close: () => sandbox.close(),
  };
}

function realRoot(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
