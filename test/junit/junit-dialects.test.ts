import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJUnitReader, readJUnit } from '../../src/junit/junit-reader.ts';
import { readReport } from '../../src/junit/registry.ts';
import { testIdOf } from '../../src/junit/types.ts';
import { fixtures, type Row, readAll, rows } from './read.ts';

async function read(file: string) {
  const stream = readJUnit(join(fixtures, file));
  const attempts = await readAll(stream);
  return { attempts, rows: rows(attempts), warnings: stream.warnings };
}

describe('JUnit dialects', () => {
  it('Maven Surefire: flaky and rerun elements, locale times, nested classes', async () => {
    const { attempts, rows, warnings } = await read('surefire/TEST-com.example.cart.CartServiceTest.xml');
    const C = 'com.example.cart.CartServiceTest';
    expect(rows).toEqual<Row[]>([
      [`${C} › addsItem`, 'passed', 0, 12],
      [`${C} › removesItem`, 'failed', 0, 45, 'expected: <1> but was: <0>'],
      [`${C} › checksOut`, 'error', 0, 1_234_500, 'Connection refused'],
      [`${C} › appliesCoupon`, 'skipped', 0, 0, 'coupons are disabled until 2.0'],
      // Passed on the third run: two failed attempts first.
      [`${C} › computesTotal`, 'failed', 0, 0, 'expected: <10> but was: <9>'],
      [`${C} › computesTotal`, 'error', 1, 0, 'Timed out after 500 ms'],
      [`${C} › computesTotal`, 'passed', 2, 101],
      // Failed on every run.
      [`${C} › reservesStock`, 'failed', 0, 230, 'stock service returned 503'],
      [`${C} › reservesStock`, 'failed', 1, 0, 'stock service returned 503'],
      [`${C} › reservesStock`, 'error', 2, 0, 'Read timed out'],
      [`${C}$WhenEmpty › rejectsCheckout`, 'passed', 0, 3],
    ]);
    expect(warnings).toEqual([]);
    const removes = attempts[1]!;
    expect(removes).toMatchObject({ file: '', suite: [C], name: 'removesItem' });
    expect(removes.errorType).toBe('org.opentest4j.AssertionFailedError');
    expect(removes.stack).toContain(
      'at com.example.cart.CartServiceTest.removesItem(CartServiceTest.java:42)',
    );
    expect(removes.output).toBe('removing sku-1 from cart 7');
    expect(attempts[4]!.output).toBe('total attempt 1');
    expect(attempts[5]!.stack).toContain('PriceCache.get(PriceCache.java:30)');
    expect(attempts[9]!.errorType).toBe('java.net.SocketTimeoutException');
  });

  it('Playwright without includeRetries: splits Retry #N sections and warns', async () => {
    const { attempts, rows, warnings } = await read('playwright/results.xml');
    const T = 'checkout.spec.ts › chromium › checkout';
    expect(rows).toEqual<Row[]>([
      [`${T} › pays with card`, 'passed', 0, 2100],
      [
        `${T} › shows receipt`,
        'failed',
        0,
        4066.667,
        'Error: Timed out 5000ms waiting for expect(locator).toBeVisible()',
      ],
      [
        `${T} › shows receipt`,
        'failed',
        1,
        4066.667,
        'Error: Timed out 5000ms waiting for expect(locator).toBeVisible()',
      ],
      [
        `${T} › shows receipt`,
        'failed',
        2,
        4066.667,
        'Error: page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:3000/checkout',
      ],
      [`${T} › applies coupon`, 'skipped', 0, 0],
      ['checkout.spec.ts › chromium › loads', 'passed', 0, 400],
    ]);
    expect(attempts[1]).toMatchObject({
      file: 'checkout.spec.ts',
      suite: ['chromium', 'checkout'],
      name: 'shows receipt',
    });
    expect(attempts[1]!.errorType).toBeUndefined();
    // The attachment is named relative to the report's folder; read, it is anchored there.
    expect(attempts[3]!.output).toContain(`[[ATTACHMENT|${join(fixtures, 'playwright/test-results/')}`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('includeRetries: true');
  });

  it('Playwright with includeRetries: flaky and rerun elements, one identity per project', async () => {
    const { rows, warnings } = await read('playwright/results-include-retries.xml');
    expect(rows).toEqual<Row[]>([
      [
        'cart.spec.ts › chromium › cart › adds item',
        'failed',
        0,
        5200,
        'Timed out 5000ms waiting for expect(locator).toHaveText(expected)',
      ],
      ['cart.spec.ts › chromium › cart › adds item', 'passed', 1, 1500],
      [
        'cart.spec.ts › chromium › cart › removes item',
        'failed',
        0,
        2500,
        'expect(received).toBe(expected) // Object.is equality',
      ],
      [
        'cart.spec.ts › chromium › cart › removes item',
        'failed',
        1,
        2400,
        'expect(received).toBe(expected) // Object.is equality',
      ],
      ['cart.spec.ts › firefox › cart › adds item', 'passed', 0, 1700],
      ['cart.spec.ts › firefox › cart › removes item', 'passed', 0, 1400],
    ]);
    expect(warnings).toEqual([]);
  });

  it('jest-junit defaults: the duplicated describe path is deduplicated, with a warning', async () => {
    const { attempts, rows, warnings } = await read('jest-junit/default.xml');
    expect(rows).toEqual<Row[]>([
      ['Cart › add item', 'passed', 0, 2],
      ['Cart › add rejects negative quantity', 'failed', 0, 3, 'expect(received).toBeGreaterThan(expected)'],
      ['Cart › applies coupon', 'skipped', 0, 0],
      [
        'Cart › reads the price',
        'failed',
        0,
        1,
        "TypeError: Cannot read properties of undefined (reading 'price')",
      ],
      ['Cart › computes total', 'passed', 0, 4],
      ['adds', 'passed', 0, 1],
      [
        'test/broken.test.js › (file)',
        'error',
        0,
        0,
        "Cannot find module './does-not-exist' from 'test/broken.test.js'",
      ],
    ]);
    expect(attempts[0]).toMatchObject({ file: '', suite: ['Cart'], name: 'add item' });
    expect(attempts[3]!.errorType).toBe('TypeError');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ancestorSeparator " › "');
  });

  it('jest-junit configured with a separator and the file attribute: exact paths', async () => {
    const { attempts, rows, warnings } = await read('jest-junit/configured.xml');
    expect(rows).toEqual<Row[]>([
      ['test/cart.test.ts › Cart › add › item', 'passed', 0, 2],
      [
        'test/cart.test.ts › Cart › add › rejects negative quantity',
        'failed',
        0,
        3,
        'expect(received).toBeGreaterThan(expected)',
      ],
      ['test/cart.test.ts › Cart › applies coupon', 'skipped', 0, 0],
      ['test/cart.test.ts › top level', 'passed', 0, 1],
    ]);
    expect(attempts[0]).toMatchObject({ file: 'test/cart.test.ts', suite: ['Cart', 'add'], name: 'item' });
    expect(warnings).toEqual([]);
  });

  it('jest-junit with classNameTemplate "{classname}": the describe path splits at the suite name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testloop-jest-junit-'));
    const path = join(dir, 'junit.xml');
    writeFileSync(
      path,
      `<testsuites name="jest tests"><testsuite name="Cart" tests="2">
        <testcase classname="Cart add" name="Cart add item" time="0.002"/>
        <testcase classname="Cart add item" name="item" time="0.001"/>
      </testsuite></testsuites>`,
    );
    const attempts = await readAll(readJUnit(path));
    rmSync(dir, { recursive: true, force: true });
    expect(attempts.map((a) => [a.suite, a.name])).toEqual([
      [['Cart', 'add'], 'item'],
      [['Cart', 'add'], 'item'],
    ]);
  });

  it('vitest JUnit reporter (captured from vitest 4)', async () => {
    const { attempts, rows, warnings } = await read('vitest/junit.xml');
    expect(rows).toEqual<Row[]>([
      [
        'test/broken.test.ts › (file)',
        'error',
        0,
        0,
        "Cannot find module './does-not-exist.ts' imported from /tmp/testloop-capture/vitest/test/broken.test.ts",
      ],
      ['test/cart.test.ts › Cart › add › item', 'passed', 0, 1.493],
      [
        'test/cart.test.ts › Cart › add › rejects negative quantity',
        'failed',
        0,
        2.426,
        'expected -1 to be greater than 0',
      ],
      ['test/cart.test.ts › Cart › computes total', 'passed', 0, 1.742],
      ['test/cart.test.ts › Cart › applies coupon', 'skipped', 0, 0],
      [
        'test/cart.test.ts › Cart › reads the price',
        'failed',
        0,
        0.479,
        "Cannot read properties of undefined (reading 'price')",
      ],
      ['test/hooks.test.ts › Checkout › pays', 'skipped', 0, 0],
      ['test/hooks.test.ts › Checkout', 'failed', 0, 2.548, 'database unavailable'],
      ['test/math.test.ts › adds', 'passed', 0, 1.273],
      ['test/math.test.ts › times out', 'failed', 0, 53.218, 'Test timed out in 50ms.'],
    ]);
    expect(attempts[2]!.errorType).toBe('AssertionError');
    expect(attempts[2]!.stack).toContain('❯ test/cart.test.ts:13:24');
    expect(attempts[3]!.output).toBe('total attempt 1\n\ntotal attempt 2');
    expect(warnings).toEqual([]);
  });

  it('pytest xunit2: module → file, classes → suite, setup and collection errors', async () => {
    const { attempts, rows } = await read('pytest/xunit2.xml');
    expect(rows).toEqual<Row[]>([
      ['tests/test_cart.py › test_add', 'passed', 0, 1],
      ['tests/test_cart.py › TestCart › test_remove', 'failed', 0, 2, 'assert 0 == 1'],
      ['tests/test_cart.py › TestCart › test_total[2-4]', 'passed', 0, 1],
      ['tests/test_cart.py › test_coupon', 'skipped', 0, 0, 'coupons not ready'],
      ['tests/test_cart.py › test_rounding', 'skipped', 0, 1, 'known float issue'],
      ['tests/unit/db_test.py › test_connect', 'error', 0, 0, 'ConnectionError: database unavailable'],
      ['tests/test_broken.py › (file)', 'error', 0, 0, "ModuleNotFoundError: No module named 'shop.missing'"],
    ]);
    expect(attempts[1]).toMatchObject({
      file: 'tests/test_cart.py',
      suite: ['TestCart'],
      errorType: 'AssertionError',
    });
    expect(attempts[1]!.output).toContain('removing apple');
    expect(attempts[5]!.errorType).toBe('ConnectionError');
  });

  it('pytest xunit1: file attribute, and a teardown error testcase merged into the test', async () => {
    const { rows, attempts } = await read('pytest/xunit1.xml');
    expect(rows).toEqual<Row[]>([
      ['tests/test_db.py › test_query', 'error', 0, 5, 'RuntimeError: connection leaked'],
      ['tests/test_db.py › TestPool › test_size', 'passed', 0, 2],
    ]);
    expect(attempts[0]!.output).toContain('opened connection 7');
    expect(attempts[0]!.stack).toContain('tests/test_db.py:9: RuntimeError');
  });

  it('gotestsum: reruns as repeated testcases, subtests as suites', async () => {
    const { rows } = await read('gotestsum/junit.xml');
    const cart = 'github.com/acme/shop/cart';
    const db = 'github.com/acme/shop/db';
    expect(rows).toEqual<Row[]>([
      [`${cart} › TestAdd`, 'passed', 0, 0],
      [`${cart} › TestTotal › empty_cart`, 'passed', 0, 0],
      [`${cart} › TestTotal › with_coupon`, 'failed', 0, 10, 'cart_test.go:41: got 9, want 10'],
      [`${cart} › TestTotal`, 'failed', 0, 10, 'Failed'],
      [`${cart} › TestTotal › with_coupon`, 'passed', 1, 20],
      [`${cart} › TestTotal`, 'passed', 1, 20],
      [
        `${db} › TestConnect`,
        'failed',
        0,
        500,
        'db_test.go:18: dial tcp 127.0.0.1:5432: connect: connection refused',
      ],
      [`${db} › TestSkipped`, 'skipped', 0, 0, 'db_test.go:30: needs docker'],
      [`${db} › TestAdd`, 'passed', 0, 1],
      [
        `${db} › TestConnect`,
        'failed',
        1,
        510,
        'db_test.go:18: dial tcp 127.0.0.1:5432: connect: connection refused',
      ],
      [`${db} › TestConnect`, 'failed', 2, 520, 'db_test.go:18: dial tcp 127.0.0.1:5432: i/o timeout'],
    ]);
  });

  it('node --test-reporter=junit (captured from Node 20): nested testsuites are the describe path', async () => {
    const { rows } = await read('node-test/junit.xml');
    expect(rows).toEqual<Row[]>([
      ['Cart › add › item', 'passed', 0, 0.582],
      [
        'Cart › add › rejects negative quantity',
        'failed',
        0,
        0.62,
        'AssertionError: quantity must be positive',
      ],
      ['Cart › applies coupon', 'skipped', 0, 0.095, 'coupons not ready'],
      [
        'Cart › reads the price',
        'failed',
        0,
        0.104,
        "TypeError: Cannot read properties of undefined (reading 'price')",
      ],
      ['adds', 'passed', 0, 0.946],
      [
        'compares totals',
        'failed',
        0,
        1.869,
        'AssertionError: Expected values to be strictly deep-equal:+ actual - expected  {+   total: 1-   total: 2  }',
      ],
      ['times out', 'failed', 0, 51.508, 'test timed out after 50ms'],
    ]);
  });

  it('nested testsuites (PHPUnit), DOCTYPE, comments, processing instructions, CI workspace paths', async () => {
    const { rows, attempts } = await read('nested/phpunit.xml');
    const T = 'tests/Unit/CartTest.php › Tests.Unit.CartTest';
    expect(rows).toEqual<Row[]>([
      [`${T} › testAddsItem`, 'passed', 0, 1.234],
      [`${T} › testTotal with data set #0`, 'passed', 0, 4],
      [
        `${T} › testTotal with data set #1`,
        'failed',
        0,
        4,
        'Tests\\Unit\\CartTest::testTotal with data set #1 (2, 5)',
      ],
      [`${T} › testEmpty`, 'passed', 0, 3.111],
    ]);
    expect(attempts[3]!.output).toBe('cart is empty & ready');
  });

  it('every attempt carries its canonical TestId', async () => {
    for (const file of [
      'surefire/TEST-com.example.cart.CartServiceTest.xml',
      'pytest/xunit2.xml',
      'gotestsum/junit.xml',
    ]) {
      for (const a of (await read(file)).attempts) expect(a.testId).toBe(testIdOf(a.file, a.suite, a.name));
    }
  });

  it('a forced dialect overrides detection', async () => {
    const attempts = await readAll(
      createJUnitReader('generic').read(join(fixtures, 'jest-junit/default.xml')),
    );
    expect(attempts[0]!.testId).toBe('Cart add item › Cart add item');
  });

  it('readReport picks the JUnit reader and passes its warnings on', async () => {
    const stream = readReport(join(fixtures, 'playwright/results.xml'));
    expect(await readAll(stream)).toHaveLength(6);
    expect(stream.warnings).toHaveLength(1);
  });
});
