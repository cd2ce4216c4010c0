// Which processes of a validation process's PID namespace outlived a candidate's run: the runner's own
// children (its workers, vite 7's esbuild service) stay, a process the candidate's test started does not.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeNamespaces } from '../../src/sandbox/probe.ts';
import { strayProcesses } from '../../src/sandbox/processes.ts';

const namespaces = probeNamespaces().namespaces;
const dir = mkdtempSync(join(tmpdir(), 'testloop-processes-'));
let unshare: ChildProcess | undefined;
afterAll(() => {
  // Killing the namespace's first process ends every process in it; unshare itself is only its parent.
  const pid = unshare?.pid;
  if (pid) {
    const init = readOptional(`/proc/${pid}/task/${pid}/children`)?.trim().split(/\s+/)[0];
    for (const target of [init ? Number(init) : 0, pid]) {
      try {
        if (target > 0) process.kill(target, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The validation process: a service child of its own, and a worker whose test leaves a process behind.
 * It says it is ready once all three run (the worker reports its sleep started), however slow the machine.
 */
const VALIDATION = `
const { spawn } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const service = spawn('sleep', ['60'], { stdio: 'ignore' });
const worker = spawn(process.execPath, ['-e', "require('node:child_process').spawn('sleep', ['61'], { stdio: 'ignore' }).on('spawn', () => process.stdout.write('up')); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'ignore'] });
const started = (child) => new Promise((resolve) => child.once('spawn', resolve));
const reported = new Promise((resolve) => worker.stdout.once('data', resolve));
Promise.all([started(service), reported]).then(() =>
  writeFileSync(process.argv[2], JSON.stringify({ service: service.pid, worker: worker.pid })),
);
setInterval(() => {}, 1000);
`;

describe('strayProcesses', () => {
  it.skipIf(!namespaces)(
    "names the test's leftover process, not the validation process's own children",
    async () => {
      const script = join(dir, 'validation.cjs');
      const ready = join(dir, 'ready.json');
      writeFileSync(script, VALIDATION);
      // The shell stays pid 1 of the namespace (a command after node keeps it from exec'ing node).
      unshare = spawn(
        'unshare',
        [
          '--user',
          '--map-root-user',
          '--pid',
          '--fork',
          'sh',
          '-c',
          `${JSON.stringify(process.execPath)} "$0" "$1"; true`,
          script,
          ready,
        ],
        { stdio: 'ignore' },
      );
      // Until the validation process says all its processes run: the test's timeout bounds the wait.
      for (;;) {
        try {
          readFileSync(ready);
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const strays = strayProcesses(unshare.pid!);
      expect(strays.map((s) => s.command)).toEqual(['sleep']);
      // The one named is the worker's child (sleep 61), not the service (sleep 60).
      expect(readFileSync(`/proc/${strays[0]!.pid}/cmdline`, 'utf8').split('\0')).toContain('61');
    },
  );
});
