import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { observeAssertions } from '../../src/generate/observe/index.ts';
import { observeAssertions as fromLibrary } from '../../src/index.ts';
import { createLlmClient } from '../../src/llm/index.ts';
import { startOpenAiServer } from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, copyApp } from './apps.ts';

const tmp = usePrivateTmpDir('testloop-observe-suite-');

/** The 0-based line of `file` holding `snippet` (the first one). */
function lineOf(app: App, file: string, snippet: string): number {
  const line = readFileSync(join(app.dir, file), 'utf8')
    .split('\n')
    .findIndex((text) => text.includes(snippet));
  if (line < 0) throw new Error(`${snippet} is not in ${file}`);
  return line;
}

/** The file's bytes, the working tree's status and the temp folder's entries, to compare after a run. */
function snapshot(app: App, file: string) {
  return { bytes: readFileSync(join(app.dir, file)), status: app.status(), tmp: readdirSync(tmp) };
}

/** A fixture in a fresh repository for the suite, its test file's state before any run, and `observe`. */
function useFixture(fixture: string, file: string, path: 'relative' | 'absolute') {
  const state = {
    app: undefined as unknown as App,
    before: undefined as unknown as ReturnType<typeof snapshot>,
    observe: (snippet: string, timeoutMs?: number) =>
      observeAssertions({
        root: state.app.dir,
        testFile: path === 'relative' ? file : join(state.app.dir, file),
        line: lineOf(state.app, file, snippet),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      }),
  };
  beforeAll(() => {
    state.app = copyApp(fixture);
    state.before = snapshot(state.app, file);
  });
  afterAll(() => state.app.remove());
  return state;
}

describe('observeAssertions on a vitest project', () => {
  const file = 'src/shop.test.ts';
  const s = useFixture('observe-vitest', file, 'relative');
  const observe = s.observe;

  test('a number: one test runs (the hanging one and the other `adds` do not), the file stays as it was', async () => {
    const result = await observe('const total = sum(', 25_000);
    expect(result).toEqual({
      suggestions: [{ expression: 'total', observed: '6', assertion: 'expect(total).toEqual(6);' }],
      warnings: [],
    });
    expect(snapshot(s.app, file)).toEqual(s.before);
  });

  test('the library exports the same function', () => {
    expect(fromLibrary).toBe(observeAssertions);
  });

  test('an object, an array inside expect(), a Date and undefined', async () => {
    const order = await observe("const order = makeOrder('a-1', 2);");
    expect(order.suggestions.map((s) => s.assertion)).toEqual([
      'expect(order).toEqual({ id: "a-1", lines: [{ sku: "tea", qty: 2 }] });',
    ]);
    const list = await observe("expect(skus(['b', 'a']))");
    expect(list.suggestions).toEqual([
      {
        expression: "skus(['b', 'a'])",
        observed: '["a", "b"]',
        assertion: 'expect(skus([\'b\', \'a\'])).toEqual(["a", "b"]);',
      },
    ]);
    const due = await observe('const due = dueDate(2);');
    expect(due.suggestions.map((s) => s.observed)).toEqual(['new Date("2026-01-03T00:00:00.000Z")']);
    const none = await observe('const none = nothing();');
    expect(none.suggestions.map((s) => s.assertion)).toEqual(['expect(none).toEqual(undefined);']);
    expect(snapshot(s.app, file)).toEqual(s.before);
  });

  test('the expression a statement evaluates itself (a for…of header), not the statements it holds', async () => {
    const result = await observe("for (const sku of skus(['c'])) {");
    expect(result.suggestions.map((s) => s.assertion)).toEqual(['expect(skus([\'c\'])).toEqual(["c"]);']);
  });

  test('a test named by test.each or a template with values: a name filter with those parts open', async () => {
    // The hanging test of the same describe block would exceed the time limit if the whole file ran.
    const each = await observe('const twice = double(n);', 25_000);
    expect(each).toEqual({
      suggestions: [{ expression: 'twice', observed: '4', assertion: 'expect(twice).toEqual(4);' }],
      warnings: [],
    });
    const template = await observe('const named = sum([2, 2]);', 25_000);
    expect(template.suggestions.map((s) => s.assertion)).toEqual(['expect(named).toEqual(4);']);
  });

  test('a value from an awaited call', async () => {
    const user = await observe('const user = await loadUser(7);');
    expect(user.suggestions.map((s) => s.assertion)).toEqual([
      'expect(user).toEqual({ id: 7, name: "user 7" });',
    ]);
  });

  test('a class instance prints as its fields (toEqual ignores prototypes); a circular value is a warning', async () => {
    const cart = await observe("const cart = new Cart().add('tea');");
    expect(cart.suggestions.map((s) => s.observed)).toEqual(['{ items: ["tea"] }']);
    const loop = await observe('const loop = circular();');
    expect(loop.suggestions).toEqual([]);
    expect(loop.warnings).toEqual(['`loop` is not printable as a literal: a circular reference']);
  });

  test('a line that throws: a warning with the error, no suggestion', async () => {
    const result = await observe("const qty = parseQty('many');");
    expect(result.suggestions).toEqual([]);
    expect(result.warnings[0]).toBe(
      '`qty` threw RangeError: not a quantity: many: no value to assert; an assertion that it throws fits it instead',
    );
    expect(result.warnings[1]).toMatch(/^the test failed \(vitest exit code 1\)/);
    expect(snapshot(s.app, file)).toEqual(s.before);
  });

  test('a value that differs between the runs of a loop: a warning', async () => {
    const result = await observe('const doubled = double(n);');
    expect(result.suggestions).toEqual([]);
    expect(result.warnings).toEqual([
      '`doubled` took different values in the 2 times the line ran (a loop or a repeated callback): no single value to assert',
    ]);
  });

  test('a line of a skipped test: a warning says it never ran', async () => {
    const result = await observe('const skipped = sum([5]);');
    expect(result).toEqual({
      suggestions: [],
      warnings: [
        'the line never ran: the test is skipped or filtered out, or it failed or returned before reaching the line',
      ],
    });
  });

  test('root may be a folder inside the repository, the test file relative to it', async () => {
    const result = await observeAssertions({
      root: join(s.app.dir, 'src'),
      testFile: 'shop.test.ts',
      line: lineOf(s.app, file, 'const total = sum('),
    });
    expect(result.suggestions.map((s) => s.assertion)).toEqual(['expect(total).toEqual(6);']);
  });

  test('a line outside any test: nothing runs, a warning says why', async () => {
    const result = await observe('const outside = sum([1]);');
    expect(result).toEqual({
      suggestions: [],
      warnings: ['line 4 of src/shop.test.ts is not inside a test (it(…) or test(…)): nothing to observe'],
    });
  });

  test('a test that does not finish in time: stopped, a warning, nothing offered, nothing left behind', async () => {
    const result = await observe('const late = await forever();', 4_000);
    expect(result.suggestions).toEqual([]);
    expect(result.warnings).toEqual([
      "the test did not finish within 4 s and was stopped: no value is offered (one seen before the stop may not be the test's last)",
    ]);
    expect(snapshot(s.app, file)).toEqual(s.before);
  });
});

describe('observeAssertions on a node:test project', () => {
  const file = 'src/shop.test.js';
  const s = useFixture('observe-node', file, 'absolute');
  const observe = s.observe;

  test('a number, through the file own assert import; the hanging test is filtered out', async () => {
    const result = await observe('const total = sum([1, 2, 3]);', 25_000);
    expect(result).toEqual({
      suggestions: [{ expression: 'total', observed: '6', assertion: 'assert.deepStrictEqual(total, 6);' }],
      warnings: [],
    });
    expect(snapshot(s.app, file)).toEqual(s.before);
  });

  test('a model chooses among the observed assertions and names them; what it leaves out is a warning', async () => {
    const server = await startOpenAiServer();
    const model = createLlmClient({ baseUrl: server.url, model: 'm', apiKey: 'k', maxRetries: 0 });
    try {
      server.enqueue({
        reply: {
          keep: [
            { index: 0, name: 'two ones add up to 2' },
            { index: 7, name: 'no such one' },
          ],
        },
      });
      const line = "assert.equal(sum([1, 1]), skus(['a', 'b']).length);";
      const chosen = await observeAssertions({
        root: s.app.dir,
        testFile: file,
        line: lineOf(s.app, file, line),
        model,
      });
      expect(chosen).toEqual({
        suggestions: [
          {
            expression: 'sum([1, 1])',
            observed: '2',
            assertion: 'assert.deepStrictEqual(sum([1, 1]), 2);',
            name: 'two ones add up to 2',
          },
        ],
        warnings: ['the model left out `skus([\'a\', \'b\'])` (["a", "b"])'],
      });
      // The model saw both observed assertions and the test around the line, the line marked.
      const user: string = server.completions()[0]!.body.messages.at(-1).content;
      expect(user.split('\n')).toContain(`1: assert.deepStrictEqual(skus(['a', 'b']), ["a", "b"]);`);
      expect(user.split('\n')).toContain(`> ${lineOf(s.app, file, line) + 1}|     ${line}`);

      server.enqueue({ status: 500, message: 'down' });
      const failed = await observeAssertions({
        root: s.app.dir,
        testFile: file,
        line: lineOf(s.app, file, line),
        model,
      });
      expect(failed.suggestions.map((x) => x.expression)).toEqual(['sum([1, 1])', "skus(['a', 'b'])"]);
      expect(failed.warnings).toHaveLength(1);
      expect(failed.warnings[0]).toMatch(
        /^the model could not choose \(.+\): every observed value is offered$/,
      );

      const notAClient = await observeAssertions({
        root: s.app.dir,
        testFile: file,
        line: lineOf(s.app, file, line),
        model: 'gpt-5',
      });
      expect(notAClient.suggestions).toHaveLength(2);
      expect(notAClient.warnings).toEqual([
        '`model` is not a model client (createLlmClient): it was not asked; every observed value is offered',
      ]);
    } finally {
      await model.close();
      await server.close();
    }
  });

  test('a subtest (t.test) runs inside its parent', async () => {
    const result = await observe('const total = sum([4, 5]);', 25_000);
    expect(result.suggestions.map((s) => s.assertion)).toEqual(['assert.deepStrictEqual(total, 9);']);
  });

  test('an object, an array, a Date and undefined', async () => {
    const order = await observe("const order = makeOrder('a-1', 2);");
    expect(order.suggestions.map((s) => s.observed)).toEqual([
      '{ id: "a-1", lines: [{ sku: "tea", qty: 2 }] }',
    ]);
    const list = await observe("assert.equal(skus(['b', 'a']).length, 2);");
    // skus(…).length is a property of the call: the call itself is what is recorded.
    expect(list.suggestions.map((s) => s.assertion)).toEqual([
      'assert.deepStrictEqual(skus([\'b\', \'a\']), ["a", "b"]);',
    ]);
    const due = await observe('const due = dueDate(2);');
    expect(due.suggestions.map((s) => s.observed)).toEqual(['new Date("2026-01-03T00:00:00.000Z")']);
    const none = await observe('const none = nothing();');
    expect(none.suggestions.map((s) => s.assertion)).toEqual(['assert.deepStrictEqual(none, undefined);']);
  });

  test('a class instance cannot be a deepStrictEqual literal: a warning', async () => {
    const result = await observe("const cart = new Cart().add('tea');");
    expect(result).toEqual({
      suggestions: [],
      warnings: [
        '`cart` is not printable as a literal: an instance of class Cart (deepStrictEqual compares prototypes)',
      ],
    });
  });

  test('a line that throws: a warning', async () => {
    const result = await observe("const qty = parseQty('many');");
    expect(result.suggestions).toEqual([]);
    expect(result.warnings[0]).toMatch(/^`qty` threw RangeError: not a quantity: many/);
    expect(result.warnings.at(-1)).toMatch(/^the test failed \(node exit code 1\)/);
  });

  test('a line outside any test, and a timeout', async () => {
    const outside = await observe('const outside = sum([1]);');
    expect(outside.suggestions).toEqual([]);
    expect(outside.warnings).toEqual([
      'line 5 of src/shop.test.js is not inside a test (it(…) or test(…)): nothing to observe',
    ]);
    const late = await observe('const late = await forever();', 4_000);
    expect(late.suggestions).toEqual([]);
    expect(late.warnings[0]).toMatch(/^the test did not finish within 4 s/);
    expect(snapshot(s.app, file)).toEqual(s.before);
  });
});

describe('observeAssertions on a jest project', () => {
  const file = 'src/observe.test.js';
  let app: App;
  beforeAll(() => {
    app = copyApp('jest-app', {
      [file]: [
        "const { price } = require('./price.js');",
        '',
        "describe('price', () => {",
        "  test('of three', () => {",
        '    const total = price(3, 4);',
        '    expect(total).toBe(12);',
        '  });',
        '',
        "  test('hangs', () => new Promise(() => setInterval(() => {}, 1000)), 120_000);",
        '});',
        '',
      ].join('\n'),
    });
  });
  afterAll(() => app.remove());

  test('expect style, and only that test runs (the hanging one is filtered out)', async () => {
    const before = snapshot(app, file);
    const result = await observeAssertions({
      root: app.dir,
      testFile: file,
      line: lineOf(app, file, 'const total = price(3, 4);'),
      timeoutMs: 25_000,
    });
    expect(result).toEqual({
      suggestions: [{ expression: 'total', observed: '12', assertion: 'expect(total).toEqual(12);' }],
      warnings: [],
    });
    expect(snapshot(app, file)).toEqual(before);
  });
});
