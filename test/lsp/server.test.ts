import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/history/open.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { type LspSession, startLspSession } from '../helpers/lsp-client.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { attempt, run } from '../triage/build.ts';
import { CART_CHANGED, CART_LCOV_BOTH_SIDES, changedShop } from './shop.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/lsp', import.meta.url));

usePrivateTmpDir('testloop-lsp-');
let app: App;
let session: LspSession;

beforeAll(async () => {
  app = changedShop(copyFixtureApp(FIXTURES, 'shop'));
  // The history of tax.test.ts: passed, failed on a timeout, passed, failed on a timeout.
  const store = await openHistoryStore({ cwd: app.dir });
  const test = 'src/tax.test.ts › taxOf › rounds to cents';
  for (const [i, status] of (['passed', 'failed', 'passed', 'failed'] as const).entries()) {
    const spec = { ...run(i), attempt: 1 };
    await store.ingest(spec, [
      attempt(test, spec, status, status === 'failed' ? { message: 'Error: Test timed out in 5000ms.' } : {}),
    ]);
  }
  await store.close();
  session = await startLspSession(app.dir, { base: 'main', coveragePollMs: 50 });
}, 180_000);

afterAll(async () => {
  await session?.close();
  app?.remove();
});

const LINES_9_11 = {
  severity: 4,
  source: 'testloop',
  code: 'uncovered-line',
  range: { start: { line: 8, character: 0 }, end: { line: 10, character: 37 } },
  message: 'Not covered: lines 9-11 (changed lines not run by any test)',
};
const BRANCH_6 = {
  severity: 4,
  source: 'testloop',
  code: 'uncovered-branch',
  range: { start: { line: 5, character: 0 }, end: { line: 5, character: 40 } },
  message: 'Not covered: branch on line 6 (1 of 2 branches never taken)',
};
const FUNCTION_DISCOUNT = {
  severity: 4,
  source: 'testloop',
  code: 'uncovered-function',
  range: { start: { line: 8, character: 0 }, end: { line: 8, character: 64 } },
  message: 'Not covered: function discount (changed function never called)',
};

// The steps of one editing session on one server, in the order an editor takes them: open, read the
// hints and lenses, save, change the coverage. Each step starts from the state the one before left, so
// the steps keep their order when files and tests are shuffled.
describe('testloop lsp', { shuffle: false }, () => {
  it('hints at the changed lines, branches and functions of the open file that no test covers', async () => {
    await session.open('src/cart.ts', CART_CHANGED);
    expect(await session.diagnostics('src/cart.ts')).toEqual([LINES_9_11, BRANCH_6, FUNCTION_DISCOUNT]);
  });

  it('publishes no hint for an open file the change does not touch', async () => {
    await session.open('src/tax.ts', readFileSync(join(app.dir, 'src/tax.ts'), 'utf8'));
    expect(await session.diagnostics('src/tax.ts')).toEqual([]);
  });

  it("puts each function's coverage and the tests its file affects over it", async () => {
    const lenses = await session.connection.sendRequest('textDocument/codeLens', {
      textDocument: { uri: session.uri('src/cart.ts') },
    });
    expect(lenses).toEqual([
      lens(2, 'covered', ''),
      lens(2, 'affects 2 tests', 'testloop.runAffectedTests', [session.uri('src/cart.ts')]),
      lens(8, 'not covered', 'testloop.generateTest', [session.uri('src/cart.ts'), 'discount']),
      lens(8, 'affects 2 tests', 'testloop.runAffectedTests', [session.uri('src/cart.ts')]),
    ]);
  });

  it('offers a test for the function at the cursor, made by generate (offline stub) as an edit that creates it', async () => {
    const actions = (await session.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: session.uri('src/cart.ts') },
      range: { start: { line: 9, character: 2 }, end: { line: 9, character: 2 } },
      context: { diagnostics: [] },
    })) as { title: string; kind: string; edit?: unknown }[];
    expect(actions.map((a) => [a.title, a.kind, a.edit])).toEqual([
      ['Generate a test for discount', 'quickfix.testloop.generateTest', undefined],
    ]);
    const before = session.progress.length;
    const resolved = (await session.connection.sendRequest('codeAction/resolve', actions[0])) as {
      edit: {
        documentChanges: [
          { kind: string; uri: string },
          { textDocument: { uri: string }; edits: { newText: string }[] },
        ];
      };
    };
    const [create, insert] = resolved.edit.documentChanges;
    const testUri = session.uri('src/cart.discount.generated.test.ts');
    expect(create).toEqual({
      kind: 'create',
      uri: testUri,
      options: { overwrite: false, ignoreIfExists: false },
    });
    expect(insert.textDocument.uri).toBe(testUri);
    const text = insert.edits[0]!.newText;
    expect(text).toContain("from './cart.ts'");
    expect(text).toMatch(/\.todo\(/);
    expect(text).toContain('discount');
    // Nothing is written until the editor applies the edit.
    expect(app.status()).not.toContain('?? src/cart.discount.generated.test.ts');
    const kinds = session.progress.slice(before).map((p) => (p as { value: { kind: string } }).value.kind);
    expect(kinds[0]).toBe('begin');
    expect(kinds.at(-1)).toBe('end');
  }, 180_000);

  it('asks the editor to apply the new test when the "not covered" lens is clicked', async () => {
    const result = (await session.connection.sendRequest('workspace/executeCommand', {
      command: 'testloop.generateTest',
      arguments: [session.uri('src/cart.ts'), 'discount'],
    })) as { applied: boolean; result: { stubs: { target: string; testFile: string }[] } };
    expect(result.applied).toBe(true);
    expect(result.result.stubs).toEqual([
      {
        target: 'src/cart.ts:discount',
        testFile: 'src/cart.discount.generated.test.ts',
        todos: expect.any(Number),
      },
    ]);
    const applied = session.edits.at(-1) as { edit: { documentChanges: { kind?: string; uri?: string }[] } };
    expect(applied.edit.documentChanges[0]).toMatchObject({
      kind: 'create',
      uri: session.uri('src/cart.discount.generated.test.ts'),
    });
  }, 180_000);

  it("shows a test's history on hover over its name, and says when a test has none", async () => {
    const text = readFileSync(join(app.dir, 'src/tax.test.ts'), 'utf8');
    await session.open('src/tax.test.ts', text);
    const hover = (await session.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: session.uri('src/tax.test.ts') },
      position: { line: 4, character: 8 },
    })) as { contents: { value: string } };
    expect(hover.contents.value).toBe(
      [
        '**testloop** history of `src/tax.test.ts › taxOf › rounds to cents` (last 50 runs)',
        '',
        '- runs: 4, failed in 2',
        '- flips: 3 (flip rate 100%)',
        '- last causes: timeout',
      ].join('\n'),
    );
    await session.open('src/cart.test.ts', readFileSync(join(app.dir, 'src/cart.test.ts'), 'utf8'));
    const none = (await session.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: session.uri('src/cart.test.ts') },
      position: { line: 3, character: 1 },
    })) as { contents: { value: string } };
    expect(none.contents.value).toBe(
      '**testloop**: no history for `src/cart.test.ts › adds the tax` (no recorded run of it in the last 50 runs)',
    );
    // Off a test call there is nothing to say.
    const off = await session.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: session.uri('src/cart.test.ts') },
      position: { line: 1, character: 3 },
    });
    expect(off).toBeNull();
  });

  it('hints again after a save, from the file as saved', async () => {
    const after = session.published.length;
    // discount is dropped again: of the change, only line 6's branch is left uncovered.
    const saved = CART_CHANGED.slice(0, CART_CHANGED.indexOf('\nexport function discount'));
    writeFileSync(join(app.dir, 'src/cart.ts'), saved);
    await session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: session.uri('src/cart.ts'), version: 2 },
      contentChanges: [{ text: saved }],
    });
    await session.connection.sendNotification('textDocument/didSave', {
      textDocument: { uri: session.uri('src/cart.ts') },
    });
    const diagnostics = await session.diagnostics('src/cart.ts', (d) => d.length !== 3, after);
    expect(diagnostics).toEqual([BRANCH_6]);
  });

  it("updates the saved file's node of the graph: a file no longer imported no longer affects its tests", async () => {
    const checkout =
      'export function receipt(prices: number[]): string {\n  return String(prices.length);\n}\n';
    await session.open('src/checkout.ts', readFileSync(join(app.dir, 'src/checkout.ts'), 'utf8'));
    writeFileSync(join(app.dir, 'src/checkout.ts'), checkout);
    await session.connection.sendNotification('textDocument/didSave', {
      textDocument: { uri: session.uri('src/checkout.ts') },
    });
    // The refresh runs after the save's hints; the lenses say so once it is done (an earlier save's
    // refresh may still be finishing, so the refresh requests alone do not tell which one ended).
    const titles = async () =>
      (
        (await session.connection.sendRequest('textDocument/codeLens', {
          textDocument: { uri: session.uri('src/cart.ts') },
        })) as { command: { title: string } }[]
      ).map((l) => l.command.title);
    let lenses = await titles();
    for (let waited = 0; lenses[1] !== 'affects 1 test' && waited < 20_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      lenses = await titles();
    }
    expect(lenses).toEqual(['covered', 'affects 1 test']);
  }, 180_000);

  it('hints again when the coverage report changes, and asks for the lenses again', async () => {
    const after = session.published.length;
    const refreshes = session.lensRefreshes();
    writeFileSync(join(app.dir, 'coverage/lcov.info'), CART_LCOV_BOTH_SIDES);
    expect(await session.diagnostics('src/cart.ts', () => true, after)).toEqual([]);
    expect(session.lensRefreshes()).toBeGreaterThan(refreshes);
  });
});

function lens(line: number, title: string, command: string, args?: unknown[]) {
  return {
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    command: { title, command, ...(args === undefined ? {} : { arguments: args }) },
  };
}
