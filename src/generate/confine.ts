// The validator's view of the sandbox (src/sandbox/): the project as it is inside the tree copy, the
// environment and folders runs get there, and what a run's result says the candidate did that it may not.

import { TestloopError } from '../errors.ts';
import type { RunResult } from '../runners/run.ts';
import type { PooledRun, ProjectInfo, RunPoolOptions } from '../runners/types.ts';
import {
  MARK,
  openSandbox,
  type Sandbox,
  type SandboxUse,
  SETUP_FAILED,
  scrubEnv,
} from '../sandbox/index.ts';
import { makeTempDir, type TempPath } from './sandbox.ts';

export interface ConfineOptions {
  root: string;
  project: ProjectInfo;
  env: Record<string, string | undefined>;
  /** An open sandbox to share (one per repository and run), false for none; default: one of its own. */
  sandbox?: Sandbox | false;
  allowNetwork?: boolean;
}

export interface Confined {
  /** Where runs happen: the tree copy, or the checkout without a sandbox. */
  root: string;
  project: ProjectInfo;
  /** Scrubbed, CI=true, and with a sandbox its own HOME and TMPDIR. */
  env: Record<string, string>;
  sandbox: Sandbox | undefined;
  /** A folder for one run's results (coverage), writable inside the sandbox. */
  tempDir(prefix: string): TempPath;
  /** The HOME of one run: the sandbox's own (an empty tmpfs per run with namespaces), or a fresh folder. */
  home(): TempPath;
  /** Starts the check of what a candidate writes (undefined without a sandbox). */
  begin(owned: readonly string[]): SandboxUse | undefined;
  driver: RunPoolOptions['sandbox'];
  close(): void;
}

export function confine(options: ConfineOptions): Confined {
  const sandbox =
    options.sandbox === false
      ? undefined
      : (options.sandbox ??
        openSandbox({
          root: options.root,
          env: options.env,
          ...(options.allowNetwork === undefined ? {} : { allowNetwork: options.allowNetwork }),
        }));
  const ownsSandbox = options.sandbox === undefined;
  // CI: runners then never write snapshots, and a snapshot a generated test invents is no evidence.
  const scrubbed = { ...scrubEnv(options.env), CI: 'true' };
  if (sandbox === undefined) {
    return {
      root: options.root,
      project: options.project,
      env: scrubbed,
      sandbox,
      tempDir: (prefix) => makeTempDir(prefix),
      home: () => makeTempDir('testloop-home-'),
      begin: () => undefined,
      driver: undefined,
      close: () => {},
    };
  }
  const env = sandbox.env(scrubbed);
  const { project } = options;
  const out = sandbox.outDir('runs-');
  return {
    root: sandbox.root,
    project: { ...project, root: sandbox.root, dir: sandbox.mapPath(project.dir) },
    env,
    sandbox,
    tempDir: (prefix) => makeTempDir(prefix, out),
    home: () => ({ path: env.HOME!, remove: () => {} }),
    begin: (owned) => sandbox.begin(owned),
    driver: { wrap: sandbox.wrap, tempParent: out, home: env.HOME! },
    close: () => {
      if (ownsSandbox) sandbox.close();
    },
  };
}

const STRAY_LINE = new RegExp(`^${MARK} left running after the run: (.+)$`, 'gm');
const SETUP_LINE = new RegExp(`^${MARK} setup failed: (.+)$`, 'm');
const TOO_BIG = /\b(?:EFBIG|ENOSPC)\b|File too large|No space left on device/;

/**
 * What a run's result says the candidate did that it may not: processes it left running, or a failure at
 * the sandbox's size limits. Throws when the sandbox itself could not be set up (not the candidate's doing).
 */
export function runViolation(result: RunResult, sandbox: Sandbox | undefined): string | undefined {
  if (sandbox === undefined) return undefined;
  const text = result.output ?? '';
  const setup = SETUP_LINE.exec(text)?.[1];
  if (setup !== undefined && result.exitCode === SETUP_FAILED) {
    throw new TestloopError(
      'TESTLOOP_RUNNER_FAILED',
      `the sandbox could not be set up (${setup}). Rerun to retry; if it persists, report it with your OS and util-linux version`,
    );
  }
  const strays = [
    ...((result as PooledRun).strays ?? []),
    ...[...text.matchAll(STRAY_LINE)].map((m) => m[1]!),
  ];
  if (strays.length > 0)
    return `left a process running after the run (killed): ${strays.slice(0, 3).join(', ')}`;
  if (result.exitCode !== 0 && TOO_BIG.test(text))
    return 'hit the sandbox size limit: a file over the largest size allowed, or a full temp folder';
  return undefined;
}
