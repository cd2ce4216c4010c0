// Runs a config child (./child.ts) of testloop's build with a time limit, in a process group of its own
// so that nothing a config or a runner started outlives the limit.
import { spawn } from 'node:child_process';
import { withoutTestloopSecrets } from '../../sandbox/env.ts';
import { killProcessGroup, PROCESS_GROUPS } from '../../util/process-group.ts';
import { ANSWER, FAILED, type LoadedRunnerConfig } from './protocol.ts';

/** Loading a config starts the runner's own machinery (vite, babel, ts-node): seconds, more for real work. */
const LOAD_TIMEOUT_MS = 30_000;

export interface ChildCall {
  /** The built child (dist/runners/<runner>-config.js). */
  script: string;
  args: string[];
  /** The package folder: the child runs there, as the runner would. */
  cwd: string;
  /** Written to the child's stdin. */
  input?: string;
  /** LOAD_TIMEOUT_MS unless given. */
  timeoutMs?: number;
}

/** The child's answer; rejects with the one line that says why there is none. */
export function runConfigChild(call: ChildCall): Promise<LoadedRunnerConfig> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [call.script, ...call.args], {
      cwd: call.cwd,
      // A config is the package's code, which the change under test may have edited.
      env: withoutTestloopSecrets(process.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: PROCESS_GROUPS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // A child that ends before reading its input closes the pipe: that is its exit to report, not this.
    child.stdin.on('error', () => {});
    child.stdin.end(call.input ?? '');
    const timeoutMs = call.timeoutMs ?? LOAD_TIMEOUT_MS;
    const timer = setTimeout(() => killProcessGroup(child), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const answer = markedLine(stdout, ANSWER);
      if (code === 0 && answer !== undefined) {
        try {
          return done(JSON.parse(answer) as LoadedRunnerConfig);
        } catch {
          return fail(new Error('it printed no readable answer'));
        }
      }
      if (signal) return fail(new Error(`no answer within ${timeoutMs / 1000}s`));
      const reported = markedLine(stderr, FAILED)?.trim();
      const last = reported ?? stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${code}`;
      fail(new Error(last.slice(0, 300)));
    });
  });
}

function markedLine(output: string, marker: string): string | undefined {
  const at = output.lastIndexOf(`\n${marker}`);
  if (at < 0) return undefined;
  const start = at + 1 + marker.length;
  const end = output.indexOf('\n', start);
  return output.slice(start, end < 0 ? undefined : end);
}
