/**
 * While the suite runs: the runner's own reporter API hands each failure to testloop the moment it happens;
 * the line says whether the history knows it as flaky and what of the change reaches it, and the first
 * failure reaches the webhook while the suite still runs. Real vitest and jest on a fixture repository.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/history/open.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/triage', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/reporter', import.meta.url));

interface Line {
  at: number;
  text: string;
}
interface Run {
  code: number | null;
  lines: Line[];
  endedAt: number;
}

function runSuite(dir: string, command: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      cwd: dir,
      env: { ...process.env, CI: '', GITHUB_ACTIONS: '', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Line[] = [];
    let partial = '';
    const read = (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop()!;
      for (const part of parts) if (part.startsWith('testloop: ')) lines.push({ at: Date.now(), text: part });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lines, endedAt: Date.now() }));
  });
}

function lineOf(run: Run, testId: string): Line | undefined {
  return run.lines.find((line) => line.text.startsWith(`testloop: ${testId}: `));
}

async function startHook(): Promise<{
  url: string;
  received: { at: number; body: string }[];
  server: Server;
}> {
  const received: { at: number; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ at: Date.now(), body });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

const runners: { runner: 'vitest' | 'jest'; config: Record<string, string>; command: string[] }[] = [
  {
    runner: 'vitest',
    config: {
      'vitest.config.js': `export default { test: { include: ['vitest/**/*.test.js'], testTimeout: 20000, reporters: ['default', ['${join(DIST, 'vitest.js')}', { notify: process.env.HOOK || undefined, lookupWaitMs: 5000 }]] } };\n`,
    },
    command: ['node_modules/vitest/vitest.mjs', 'run'],
  },
  {
    runner: 'jest',
    config: {
      'jest.config.cjs': `module.exports = { testEnvironment: 'node', transform: {}, testMatch: ['**/jest/**/*.test.js'], testTimeout: 20000, reporters: ['default', ['${join(DIST, 'jest.js')}', { notify: process.env.HOOK || undefined, lookupWaitMs: 5000 }]] };\n`,
    },
    command: ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'],
  },
];

describe.each(runners)('the $runner reporter', ({ runner, config, command }) => {
  const SOMETIMES = `${runner}/cart.test.js › sometimes`;
  const EMPTY = `${runner}/cart.test.js › empty cart`;
  let app: App;
  let hook: Awaited<ReturnType<typeof startHook>>;
  const runs: Run[] = [];

  beforeAll(async () => {
    app = copyFixtureApp(FIXTURES, 'live-app', config);
    // The change under review touches the module the tests import.
    app.git('checkout', '-qb', 'feature');
    const lib = join(app.dir, 'src/lib.js');
    writeFileSync(lib, `// Sums the prices of a cart.\n${readFileSync(lib, 'utf8')}`);
    app.git('commit', '-qam', 'document total');
    hook = await startHook();
    runs.push(await runSuite(app.dir, command, { FLAKY: '0' }));
    runs.push(await runSuite(app.dir, command, { FLAKY: '1' }));
    // Only this run's timing is checked: its slow test keeps it going 7 s after the failures.
    runs.push(
      await runSuite(app.dir, command, { FLAKY: '1', NEW_FAILURE: '1', HOOK: hook.url, SLOW_MS: '7000' }),
    );
  }, 240_000);
  afterAll(() => {
    hook.server.close();
    app.remove();
  });

  it('says nothing while every test passes, and stores each run in the history', async () => {
    expect(runs.map((r) => r.code)).toEqual([0, 1, 1]);
    expect(runs[0]!.lines).toEqual([]);
    const store = await openHistoryStore({ cwd: app.dir });
    try {
      expect(await store.runCount()).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('names a failure the history has seen pass as new, and one it has seen flip as known flaky', () => {
    expect(lineOf(runs[1]!, SOMETIMES)?.text).toBe(
      `testloop: ${SOMETIMES}: new failure (passed its last 1 runs); the change reaches it: imports src/lib.js (changed)`,
    );
    expect(lineOf(runs[2]!, SOMETIMES)?.text).toMatch(
      new RegExp(
        `^testloop: ${SOMETIMES}: known flaky: failed 1 of its last 2 runs, passing and failing on this commit; the change reaches it: `,
      ),
    );
    expect(lineOf(runs[2]!, EMPTY)?.text).toBe(
      `testloop: ${EMPTY}: new failure (passed its last 2 runs); the change reaches it: imports src/lib.js (changed)`,
    );
  });

  it('prints each line, and posts the first failure, while the suite still runs', () => {
    const last = runs[2]!;
    // The slow test after the failures keeps the run going for 7 s; a line waits at most 5 s for the lookups.
    for (const line of last.lines) expect(last.endedAt - line.at).toBeGreaterThan(1000);
    expect(hook.received).toHaveLength(1);
    expect(last.endedAt - hook.received[0]!.at).toBeGreaterThan(1000);
    expect(JSON.parse(hook.received[0]!.body).text).toContain(`testloop: ${SOMETIMES}: known flaky`);
  });
});
