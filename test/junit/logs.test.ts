import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectReader, readHead, readReport } from '../../src/junit/registry.ts';
import { cleanLogLine } from '../../src/junit/text.ts';
import { fixtures, type Row, readAll, rows } from './read.ts';

async function read(file: string) {
  const path = join(fixtures, 'logs', file);
  const stream = readReport(path);
  const attempts = await readAll(stream);
  return {
    attempts,
    rows: rows(attempts),
    warnings: stream.warnings,
    reader: detectReader(path, await readHead(path))?.name,
  };
}

const BROKEN_VITEST =
  "Cannot find module './does-not-exist.ts' imported from /tmp/testloop-capture/vitest/test/broken.test.ts";

const VITEST_FAILURES_DEFAULT: Row[] = [
  ['test/broken.test.ts › (file)', 'error', 0, 0, BROKEN_VITEST],
  ['test/hooks.test.ts › Checkout', 'failed', 0, 0, 'database unavailable'],
  [
    'test/cart.test.ts › Cart › add › rejects negative quantity',
    'failed',
    0,
    2,
    'expected -1 to be greater than 0',
  ],
  [
    'test/cart.test.ts › Cart › reads the price',
    'failed',
    0,
    0,
    "Cannot read properties of undefined (reading 'price')",
  ],
  ['test/math.test.ts › times out', 'failed', 0, 53, 'Test timed out in 50ms.'],
];

describe('vitest logs (captured from vitest 4)', () => {
  it('default reporter: failed tests only, durations from the tree, warnings about what is missing', async () => {
    const { rows, warnings, reader, attempts } = await read('vitest/default.txt');
    expect(reader).toBe('vitest-log');
    expect(rows).toEqual(VITEST_FAILURES_DEFAULT);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('--reporter=verbose');
    expect(warnings[1]).toContain('1 tests passed after retries');
    const assertion = attempts[2]!;
    expect(assertion.errorType).toBe('AssertionError');
    expect(assertion.stack).toBe(
      'AssertionError: expected -1 to be greater than 0\n ❯ test/cart.test.ts:13:24',
    );
  });

  it('default reporter with colours reads the same', async () => {
    expect((await read('vitest/default-color.txt')).rows).toEqual(VITEST_FAILURES_DEFAULT);
  });

  const verbose: Row[] = [
    ['test/math.test.ts › adds', 'passed', 0, 1],
    ['test/cart.test.ts › Cart › add › item', 'passed', 0, 1],
    // `(retry x1)`: one failed attempt before the pass.
    ['test/cart.test.ts › Cart › computes total', 'failed', 0, 0],
    ['test/cart.test.ts › Cart › computes total', 'passed', 1, 2],
    ['test/cart.test.ts › Cart › applies coupon', 'skipped', 0, 0],
    ['test/hooks.test.ts › Checkout › pays', 'skipped', 0, 0],
    ['test/broken.test.ts › (file)', 'error', 0, 0, BROKEN_VITEST],
    ['test/hooks.test.ts › Checkout', 'failed', 0, 0, 'database unavailable'],
    [
      'test/cart.test.ts › Cart › add › rejects negative quantity',
      'failed',
      0,
      3,
      'expected -1 to be greater than 0',
    ],
    [
      'test/cart.test.ts › Cart › reads the price',
      'failed',
      0,
      0,
      "Cannot read properties of undefined (reading 'price')",
    ],
    ['test/math.test.ts › times out', 'failed', 0, 52, 'Test timed out in 50ms.'],
  ];

  it('verbose reporter: every test, retries, console output attached', async () => {
    const { rows, warnings, attempts } = await read('vitest/verbose.txt');
    expect(rows).toEqual(verbose);
    expect(warnings).toEqual([]);
    expect(attempts[3]!.output).toBe('total attempt 1\n\ntotal attempt 2');
  });

  it('verbose reporter in a GitHub Actions log (timestamps, colours)', async () => {
    const { rows } = await read('vitest/verbose-gha.txt');
    expect(rows.map((row) => row.slice(0, 3))).toEqual(verbose.map((row) => row.slice(0, 3)));
    expect(rows.map((row) => row[4])).toEqual(verbose.map((row) => row[4]));
  });
});

describe('jest logs (captured from jest 30)', () => {
  const failures = (retried: Row[]): Row[] => [
    [
      'test/cart.test.js › Cart › add › rejects negative quantity',
      'failed',
      0,
      0,
      'expect(received).toBeGreaterThan(expected)',
    ],
    [
      'test/cart.test.js › Cart › add › rejects negative quantity',
      'failed',
      1,
      0,
      'expect(received).toBeGreaterThan(expected)',
    ],
    [
      'test/cart.test.js › Cart › add › rejects negative quantity',
      'failed',
      2,
      0,
      'expect(received).toBeGreaterThan(expected)',
    ],
    [
      'test/cart.test.js › Cart › reads the price',
      'failed',
      0,
      0,
      "TypeError: Cannot read properties of undefined (reading 'price')",
    ],
    [
      'test/cart.test.js › Cart › reads the price',
      'failed',
      1,
      0,
      "TypeError: Cannot read properties of undefined (reading 'price')",
    ],
    [
      'test/cart.test.js › Cart › reads the price',
      'failed',
      2,
      0,
      "TypeError: Cannot read properties of undefined (reading 'price')",
    ],
    ...retried,
    ['test/math.test.js › times out', 'failed', 0, 0, 'thrown: "Exceeded timeout of 50 ms for a test.'],
    [
      'test/broken.test.js › (file)',
      'error',
      0,
      0,
      "Cannot find module './does-not-exist' from 'test/broken.test.js'",
    ],
  ];
  const unnamedRetry: Row[] = [
    [
      'test/cart.test.js › Cart retried computes total',
      'failed',
      0,
      0,
      'expect(received).toBeGreaterThan(expected)',
    ],
    ['test/cart.test.js › Cart retried computes total', 'passed', 1, 0],
  ];

  it('default reporter: ● blocks and retry logs; a retried pass keeps its space-joined name', async () => {
    const { rows, warnings, reader, attempts } = await read('jest/default.txt');
    expect(reader).toBe('jest-log');
    expect(rows).toEqual(failures(unnamedRetry));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('--verbose');
    expect(attempts[3]!.errorType).toBe('TypeError');
    expect(attempts[3]!.stack).toContain('at Object.price (test/cart.test.js:28:17)');
    expect(attempts[3]!.stack).not.toContain('expect(item.price)');
  });

  it('default reporter with colours reads the same', async () => {
    expect((await read('jest/default-color.txt')).rows).toEqual(failures(unnamedRetry));
  });

  it('verbose reporter: the describe tree names every test', async () => {
    const { rows, warnings } = await read('jest/verbose.txt');
    expect(rows).toEqual<Row[]>([
      ['test/cart.test.js › Cart › applies coupon', 'skipped', 0, 0],
      ['test/cart.test.js › Cart › add › item', 'passed', 0, 2],
      [
        'test/cart.test.js › Cart › retried › computes total',
        'failed',
        0,
        0,
        'expect(received).toBeGreaterThan(expected)',
      ],
      ['test/cart.test.js › Cart › retried › computes total', 'passed', 1, 2],
      [
        'test/cart.test.js › Cart › add › rejects negative quantity',
        'failed',
        0,
        0,
        'expect(received).toBeGreaterThan(expected)',
      ],
      [
        'test/cart.test.js › Cart › add › rejects negative quantity',
        'failed',
        1,
        0,
        'expect(received).toBeGreaterThan(expected)',
      ],
      [
        'test/cart.test.js › Cart › add › rejects negative quantity',
        'failed',
        2,
        1,
        'expect(received).toBeGreaterThan(expected)',
      ],
      [
        'test/cart.test.js › Cart › reads the price',
        'failed',
        0,
        0,
        "TypeError: Cannot read properties of undefined (reading 'price')",
      ],
      [
        'test/cart.test.js › Cart › reads the price',
        'failed',
        1,
        0,
        "TypeError: Cannot read properties of undefined (reading 'price')",
      ],
      [
        'test/cart.test.js › Cart › reads the price',
        'failed',
        2,
        1,
        "TypeError: Cannot read properties of undefined (reading 'price')",
      ],
      ['test/math.test.js › adds', 'passed', 0, 2],
      ['test/math.test.js › times out', 'failed', 0, 52, 'thrown: "Exceeded timeout of 50 ms for a test.'],
      [
        'test/broken.test.js › (file)',
        'error',
        0,
        0,
        "Cannot find module './does-not-exist' from 'test/broken.test.js'",
      ],
    ]);
    expect(warnings).toEqual([]);
  });
});

describe('node:test logs (captured from Node 20)', () => {
  const expected = (durations: number[]): Row[] =>
    (
      [
        ['Cart › add › item', 'passed', 0],
        ['Cart › add › rejects negative quantity', 'failed', 0, 'AssertionError: quantity must be positive'],
        ['Cart › applies coupon', 'skipped', 0, 'coupons not ready'],
        [
          'Cart › reads the price',
          'failed',
          0,
          "TypeError: Cannot read properties of undefined (reading 'price')",
        ],
        ['adds', 'passed', 0],
        ['compares totals', 'failed', 0, 'AssertionError: Expected values to be strictly deep-equal:'],
        ['times out', 'failed', 0, 'test timed out after 50ms'],
      ] as const
    ).map(([id, status, retry, message], i) => {
      const row: Row = [id, status, retry, durations[i]!];
      if (message !== undefined) row.push(message);
      return row;
    });

  it('spec reporter', async () => {
    const { rows, reader, attempts } = await read('node-test/spec.txt');
    expect(reader).toBe('node-test-log');
    expect(rows).toEqual(expected([0.581, 0.61, 0.094, 0.102, 1.046, 2.011, 51.727]));
    expect(attempts[1]!.errorType).toBe('AssertionError');
    expect(attempts[1]!.stack).toContain('file:///tmp/testloop-capture/node-test/test/cart.test.js:12:14');
  });

  it('spec reporter with colours', async () => {
    expect((await read('node-test/spec-color.txt')).rows).toEqual(
      expected([0.757, 0.611, 0.094, 0.1, 0.954, 1.881, 51.007]),
    );
  });

  it('TAP reporter', async () => {
    const { rows, attempts } = await read('node-test/tap.txt');
    expect(rows).toEqual(expected([0.58, 0.666, 0.093, 0.107, 1.03, 1.922, 51.686]));
    expect(attempts[3]!.stack).toContain('cart.test.js:20:23');
    expect(attempts[5]!.message).toContain('+   total: 1');
  });
});

describe('pytest logs (written from pytest 8 output)', () => {
  it('-v with rerunfailures, a teardown error and a collection error', async () => {
    const { rows, reader, attempts } = await read('pytest/verbose.txt');
    expect(reader).toBe('pytest-log');
    expect(rows).toEqual<Row[]>([
      ['tests/test_cart.py › test_add', 'passed', 0, 0],
      ['tests/test_cart.py › TestCart › test_total[2-4]', 'passed', 0, 0],
      ['tests/test_cart.py › test_coupon', 'skipped', 0, 0, 'coupons not ready'],
      ['tests/test_cart.py › test_rounding', 'skipped', 0, 0, 'known float issue'],
      ['tests/test_flaky.py › test_sometimes', 'failed', 0, 0],
      ['tests/test_flaky.py › test_sometimes', 'failed', 1, 0],
      ['tests/test_flaky.py › test_sometimes', 'passed', 2, 0],
      ['tests/test_cart.py › TestCart › test_remove', 'failed', 0, 0, 'assert 0 == 1'],
      ['tests/test_db.py › test_query', 'error', 0, 0, 'RuntimeError: connection leaked'],
      ['tests/unit/db_test.py › test_connect', 'error', 0, 0, 'ConnectionError: database unavailable'],
      ['tests/test_broken.py › (file)', 'error', 0, 0, "ModuleNotFoundError: No module named 'shop.missing'"],
    ]);
    const remove = attempts[7]!;
    expect(remove.errorType).toBe('AssertionError');
    expect(remove.output).toBe('removing apple');
    expect(remove.stack).toContain('tests/test_cart.py:12: AssertionError');
    expect(attempts[10]!.errorType).toBe('ModuleNotFoundError');
  });

  it('without -v: the -rA summary names the tests, a teardown ERROR merges with its PASSED', async () => {
    const { rows, attempts } = await read('pytest/summary.txt');
    expect(rows).toEqual<Row[]>([
      ['tests/test_cart.py › test_add', 'passed', 0, 0],
      ['tests/test_cart.py › TestCart › test_total[2-4]', 'passed', 0, 0],
      ['tests/test_db.py › test_query', 'error', 0, 0, 'RuntimeError: connection leaked'],
      ['tests/test_cart.py › test_rounding', 'skipped', 0, 0, 'known float issue'],
      ['tests/test_cart.py › TestCart › test_remove', 'failed', 0, 0, 'assert 0 == 1'],
    ]);
    expect(attempts[2]!.stack).toContain('tests/test_db.py:9: RuntimeError');
  });

  it('pytest-xdist with colours in a GitHub Actions log', async () => {
    const { rows } = await read('pytest/xdist-gha.txt');
    expect(rows).toEqual<Row[]>([
      ['tests/test_cart.py › test_add', 'passed', 0, 0],
      ['tests/test_cart.py › test_coupon', 'skipped', 0, 0],
      ['tests/test_cart.py › TestCart › test_remove', 'failed', 0, 0, 'assert 0 == 1'],
    ]);
  });
});

describe('log line cleaning', () => {
  it('removes ANSI codes, CI timestamps, Buildkite markers and carriage-return redraws', () => {
    expect(cleanLogLine('2024-01-01T00:00:00.0000000Z \u001b[32m✓\u001b[39m test')).toBe('✓ test');
    expect(cleanLogLine('2024-03-14T12:00:00.123456Z 00O+ PASS test/a.test.js')).toBe('PASS test/a.test.js');
    expect(cleanLogLine('[2024-01-01T00:00:00.000Z] FAIL x')).toBe('FAIL x');
    expect(cleanLogLine('_bk;t=1704067200000\u0007ok 1 - a')).toBe('ok 1 - a');
    expect(cleanLogLine('progress 10%\rprogress 100%\r')).toBe('progress 100%');
    expect(cleanLogLine('\u001b]8;;https://x\u0007link\u001b]8;;\u0007')).toBe('link');
    expect(cleanLogLine('2024 is not a timestamp')).toBe('2024 is not a timestamp');
  });
});
