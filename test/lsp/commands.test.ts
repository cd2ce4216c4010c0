import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import type { ObserveAssertions } from '../../src/lsp/observe-hook.ts';
import { BIN, runTestloop } from '../helpers/cli.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { startLspSession } from '../helpers/lsp-client.ts';
import { startOpenAiServer } from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { changedShop } from './shop.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/lsp', import.meta.url));

const tmp = usePrivateTmpDir('testloop-lsp-commands-');
let app: App;

beforeAll(() => {
  app = changedShop(copyFixtureApp(FIXTURES, 'shop'));
});
afterAll(() => app?.remove());

const TEST_FILE = 'src/cart.test.ts';

describe('testloop lsp commands and actions', () => {
  it('runs the tests a file affects with their runner and says how they went', async () => {
    const session = await startLspSession(app.dir, { base: 'main' });
    try {
      const result = (await session.connection.sendRequest('workspace/executeCommand', {
        command: 'testloop.runAffectedTests',
        arguments: [session.uri('src/cart.ts')],
      })) as { ran: boolean; tests: { passed: number; failed: number }; outcomes: { file: string }[] };
      expect(result.ran).toBe(true);
      expect(result.tests).toEqual({ passed: 2, failed: 0, skipped: 0 });
      expect([...new Set(result.outcomes.map((o) => o.file))].sort()).toEqual([
        'src/cart.test.ts',
        'src/checkout.test.ts',
      ]);
      expect(session.messages.at(-1)).toEqual({
        type: 3,
        message: 'testloop: affected tests passed: 2 passed, 0 failed, 0 skipped',
      });
    } finally {
      await session.close();
    }
  }, 120_000);

  it('generates with the model of initializationOptions, and says why when it makes no test', async () => {
    const server = await startOpenAiServer();
    server.handler = () => ({ status: 401, message: 'invalid api key' });
    const session = await startLspSession(app.dir, {
      base: 'main',
      model: { baseUrl: server.url, model: 'test-model' },
    });
    try {
      await session.open('src/cart.ts', readFileSync(join(app.dir, 'src/cart.ts'), 'utf8'));
      const actions = (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: session.uri('src/cart.ts') },
        range: { start: { line: 9, character: 0 }, end: { line: 9, character: 0 } },
        context: { diagnostics: [] },
      })) as { title: string }[];
      const resolved = (await session.connection.sendRequest('codeAction/resolve', actions[0])) as {
        edit?: unknown;
        disabled?: { reason: string };
      };
      expect(server.completions().length).toBeGreaterThan(0);
      expect(server.completions()[0]!.body.model).toBe('test-model');
      expect(resolved.edit).toBeUndefined();
      expect(resolved.disabled?.reason).toMatch(
        /^no test for discount: the model endpoint failed \(TESTLOOP_LLM_AUTH\)/,
      );
      expect(session.messages.at(-1)?.type).toBe(1);
    } finally {
      await session.close();
      await server.close();
    }
  }, 120_000);

  it('offers assertions from observed values in a test file through the injected engine', async () => {
    const calls: unknown[] = [];
    const observe: ObserveAssertions = async (options) => {
      calls.push(options);
      return {
        suggestions: [
          { expression: 'total([10, 20])', observed: '36', assertion: 'expect(total([10, 20])).toBe(36);' },
        ],
        warnings: ['observed in one run only'],
      };
    };
    const session = await startLspSession(app.dir, { base: 'main' }, { observeAssertions: observe });
    try {
      await session.open(TEST_FILE, readFileSync(join(app.dir, TEST_FILE), 'utf8'));
      const actions = (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: session.uri(TEST_FILE) },
        range: { start: { line: 4, character: 2 }, end: { line: 4, character: 2 } },
        context: { diagnostics: [] },
      })) as { title: string }[];
      expect(actions.map((a) => a.title)).toEqual(['Add assertions from observed values']);
      const resolved = (await session.connection.sendRequest('codeAction/resolve', actions[0])) as {
        edit: unknown;
      };
      expect(calls).toEqual([{ root: app.dir, testFile: TEST_FILE, line: 4 }]);
      expect(resolved.edit).toEqual({
        changes: {
          [session.uri(TEST_FILE)]: [
            {
              range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } },
              newText: '  expect(total([10, 20])).toBe(36);\n',
            },
          ],
        },
      });
      expect(session.messages).toContainEqual({ type: 2, message: 'testloop: observed in one run only' });
    } finally {
      await session.close();
    }
  });

  it('runs the test with the real engine when none is injected, and offers what the line returned', async () => {
    const session = await startLspSession(app.dir, { base: 'main' });
    try {
      await session.open(TEST_FILE, readFileSync(join(app.dir, TEST_FILE), 'utf8'));
      const actions = (await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: session.uri(TEST_FILE) },
        range: { start: { line: 4, character: 2 }, end: { line: 4, character: 2 } },
        context: { diagnostics: [] },
      })) as { title: string }[];
      expect(actions.map((a) => a.title)).toEqual(['Add assertions from observed values']);
      const resolved = (await session.connection.sendRequest('codeAction/resolve', actions[0])) as {
        edit?: { changes: Record<string, { newText: string }[]> };
      };
      // total([10, 20]) with the fixture's 20% tax, as vitest ran it.
      expect(resolved.edit?.changes[session.uri(TEST_FILE)]?.map((e) => e.newText)).toEqual([
        '  expect(total([10, 20])).toEqual(36);\n',
      ]);
      expect(readFileSync(join(app.dir, TEST_FILE), 'utf8')).toBe(
        readFileSync(join(import.meta.dirname, '../fixtures/lsp/shop', TEST_FILE), 'utf8'),
      );
    } finally {
      await session.close();
    }
  }, 120_000);

  it('offers no observed-values action without that engine', async () => {
    const session = await startLspSession(app.dir, { base: 'main' }, { observeAssertions: null });
    try {
      await session.open(TEST_FILE, readFileSync(join(app.dir, TEST_FILE), 'utf8'));
      const actions = await session.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri: session.uri(TEST_FILE) },
        range: { start: { line: 4, character: 2 }, end: { line: 4, character: 2 } },
        context: { diagnostics: [] },
      });
      expect(actions).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('says why there are no hints when the base cannot be resolved, instead of showing none', async () => {
    const session = await startLspSession(app.dir, { base: 'no-such-branch' });
    try {
      await session.open('src/cart.ts', readFileSync(join(app.dir, 'src/cart.ts'), 'utf8'));
      expect(await session.diagnostics('src/cart.ts')).toEqual([]);
      expect(session.messages[0]?.type).toBe(2);
      expect(session.messages[0]?.message).toMatch(
        /^testloop: no diagnostics: unknown base ref no-such-branch/,
      );
    } finally {
      await session.close();
    }
  });

  it('fails initialize with the reason outside a git repository', async () => {
    const plain = mkdtempSync(join(tmp, 'plain-'));
    await expect(startLspSession(plain)).rejects.toThrow(/is not inside a git repository/);
  });

  it('says on hover that the history cannot be read, rather than that the test has none', async () => {
    const broken = changedShop(copyFixtureApp(FIXTURES, 'shop'));
    try {
      mkdirSync(join(broken.dir, '.testloop'), { recursive: true });
      writeFileSync(join(broken.dir, '.testloop/history.db'), 'not a database');
      const session = await startLspSession(broken.dir, { base: 'main' });
      try {
        await session.open(TEST_FILE, readFileSync(join(broken.dir, TEST_FILE), 'utf8'));
        const hover = (await session.connection.sendRequest('textDocument/hover', {
          textDocument: { uri: session.uri(TEST_FILE) },
          position: { line: 3, character: 1 },
        })) as { contents: { value: string } };
        expect(hover.contents.value).toMatch(/^\*\*testloop\*\*: the test history could not be read \(/);
      } finally {
        await session.close();
      }
    } finally {
      broken.remove();
    }
  });

  it('says when no coverage report is found, and counts changed source lines as not covered', async () => {
    const bare = changedShop(copyFixtureApp(FIXTURES, 'shop'));
    try {
      rmSync(join(bare.dir, 'coverage'), { recursive: true, force: true });
      const session = await startLspSession(bare.dir, { base: 'main' });
      try {
        await session.open('src/cart.ts', readFileSync(join(bare.dir, 'src/cart.ts'), 'utf8'));
        const diagnostics = await session.diagnostics('src/cart.ts');
        expect(diagnostics.map((d) => [d.range.start.line + 1, d.range.end.line + 1, d.message])).toEqual([
          // git's diff: lines 5-6 changed, and 7-11 added before the old closing brace.
          [5, 11, 'Not covered: lines 5-11 (changed lines of a file no coverage report mentions)'],
        ]);
        expect(session.messages[0]?.message).toMatch(/^testloop: no coverage report found/);
      } finally {
        await session.close();
      }
    } finally {
      bare.remove();
    }
  });
});

describe('testloop lsp (CLI)', () => {
  it('needs --stdio: one line on stderr, exit 2, nothing on stdout', () => {
    const run = runTestloop(['lsp'], { cwd: mkdtempSync(join(tmp, 'cli-')) });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'testloop: error TESTLOOP_USAGE: testloop lsp speaks the protocol over standard input and output only: pass --stdio (editors do, see testloop lsp --help)\n',
    );
  });

  it('serves over stdio with the options of its command line (--base)', async () => {
    const child = spawn(process.execPath, [BIN, 'lsp', '--stdio', '--base', 'main'], {
      cwd: app.dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const connection = createProtocolConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const published = new Promise<{ uri: string; diagnostics: { message: string }[] }>((resolve) =>
      connection.onNotification('textDocument/publishDiagnostics', resolve),
    );
    connection.listen();
    try {
      await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(app.dir).href,
        capabilities: {},
      });
      await connection.sendNotification('initialized', {});
      const uri = pathToFileURL(join(app.dir, 'src/cart.ts')).href;
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: {
          uri,
          languageId: 'typescript',
          version: 1,
          text: readFileSync(join(app.dir, 'src/cart.ts'), 'utf8'),
        },
      });
      const { diagnostics } = await published;
      expect(diagnostics.map((d) => d.message)).toEqual([
        'Not covered: lines 9-11 (changed lines not run by any test)',
        'Not covered: branch on line 6 (1 of 2 branches never taken)',
        'Not covered: function discount (changed function never called)',
      ]);
      await connection.sendRequest('shutdown');
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await connection.sendNotification('exit');
      expect(await exited).toBe(0);
    } finally {
      connection.dispose();
      child.kill();
    }
  }, 180_000);

  it('lists its options in its help', () => {
    const run = runTestloop(['lsp', '--help'], { cwd: tmp });
    expect(run.status).toBe(0);
    for (const flag of ['--stdio', '--base', '--coverage', '--history']) expect(run.stdout).toContain(flag);
  });
});
