import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { nodeTestRunner } from '../../src/runners/node-test/index.ts';
import { runTests } from '../../src/runners/run.ts';
import type { CommandLine, ProjectInfo, RunnerAdapter } from '../../src/runners/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'testloop-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const project: ProjectInfo = { root: dir, dir, packageJson: {}, files: [] };

/** An adapter whose "runner" is a node -e script. */
function fake(script: string, env?: Record<string, string>): RunnerAdapter & { calls: number } {
  const adapter = {
    name: 'node' as const,
    assertionStyle: 'assert' as const,
    authoring: nodeTestRunner.authoring,
    calls: 0,
    detect: () => 0,
    discover: async () => ({
      runner: 'node' as const,
      tests: [],
      configFiles: [],
      setupFiles: [],
      aliases: [],
      warnings: [],
    }),
    handCommand: { all: [process.execPath], some: [process.execPath] },
    commandLine(): CommandLine {
      adapter.calls++;
      return { argv: [process.execPath, '-e', script], ...(env ? { env } : {}) };
    },
  };
  return adapter;
}

/** Running, not merely a zombie: an orphan stays one when PID 1 of a container does not reap. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

describe('runTests', () => {
  test('captures both streams and returns the exit code, with the environment merged', async () => {
    const adapter = fake(
      'console.log("out", process.env.FROM_ADAPTER, process.env.FROM_CALLER); console.error("err"); process.exit(3)',
      { FROM_ADAPTER: 'a' },
    );
    const result = await runTests(project, adapter, ['x.test.js'], {
      output: 'capture',
      env: { FROM_CALLER: 'c' },
    });
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain('out a c\n');
    expect(result.output).toContain('err\n');
    expect(result.argv[0]).toBe(process.execPath);
  });

  test('an empty selection runs nothing (every runner reads no files as all files)', async () => {
    const adapter = fake('process.exit(1)');
    expect(await runTests(project, adapter, [], { output: 'capture' })).toEqual({
      exitCode: 0,
      durationMs: 0,
      timedOut: false,
      argv: [],
      output: '',
    });
    expect(adapter.calls).toBe(0);
  });

  test('a timeout kills the whole process group, workers included', async () => {
    const pidFile = join(dir, 'worker.pid');
    const adapter = fake(`
      const { spawn } = require('node:child_process');
      const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(worker.pid));
      setInterval(() => {}, 1000);
    `);
    // Long enough for the child to start its worker on a loaded machine: the kill is what is tested.
    const result = await runTests(project, adapter, 'all', { timeoutMs: 3_000, output: 'capture' });
    expect(result).toMatchObject({ exitCode: 124, timedOut: true });
    const worker = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && alive(worker); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive(worker)).toBe(false);
  });

  test('a runner that cannot start is an error that says what to do', async () => {
    const adapter = { ...fake(''), commandLine: () => ({ argv: [join(dir, 'missing-bin')] }) };
    await expect(runTests(project, adapter, 'all')).rejects.toThrow(
      /cannot start .*missing-bin \(ENOENT\)\. Install/,
    );
  });
});
