import { once } from 'node:events';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { readReport } from '../../src/junit/registry.ts';
import type { TestAttempt } from '../../src/junit/types.ts';
import { generateJUnit } from './generate.ts';

const MEGABYTES = 200;
const path = join(tmpdir(), `testloop-junit-stream-${process.pid}.xml`);
afterAll(() => rmSync(path, { force: true }));

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('streaming a large report', () => {
  it(`reads a ${MEGABYTES} MB JUnit file in bounded memory`, async () => {
    const generated = await generateJUnit(path, MEGABYTES);
    expect(statSync(path).size).toBe(generated.bytes);
    collectGarbage();
    const before = process.memoryUsage().rss;
    let peak = before;
    let attempts = 0;
    let failed = 0;
    // Attempts a consumer keeps must not pin the read chunks they were parsed from.
    const kept: TestAttempt[] = [];
    const started = performance.now();
    for await (const attempt of readReport(path)) {
      attempts++;
      if (attempt.status === 'failed') failed++;
      if (attempts % 100 === 0) kept.push(attempt);
      if ((attempts & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - started) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    const growth = (peak - before) / 2 ** 20;
    const rate = generated.bytes / 2 ** 20 / seconds;
    console.log(
      `junit streaming: ${(generated.bytes / 2 ** 20).toFixed(0)} MB, ${attempts} attempts in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} MB/s; RSS growth ${growth.toFixed(0)} MB`,
    );
    expect(attempts).toBe(generated.attempts);
    expect(failed).toBe(generated.failed);
    expect(growth).toBeLessThan(150);
    expect(kept.length).toBeGreaterThan(6000);
  });

  it('reads a 100 MB vitest log (GitHub Actions timestamps, colours) in bounded memory', async () => {
    const log = join(tmpdir(), `testloop-junit-stream-${process.pid}.txt`);
    logPath = log;
    const tests = await generateVitestLog(log, 100);
    collectGarbage();
    const before = process.memoryUsage().rss;
    let peak = before;
    let attempts = 0;
    const started = performance.now();
    for await (const _ of readReport(log)) {
      if ((++attempts & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - started) / 1000;
    const growth = (Math.max(peak, process.memoryUsage().rss) - before) / 2 ** 20;
    console.log(
      `vitest log streaming: 100 MB, ${attempts} attempts in ${seconds.toFixed(2)} s = ${(100 / seconds).toFixed(0)} MB/s; RSS growth ${growth.toFixed(0)} MB`,
    );
    expect(attempts).toBe(tests);
    expect(growth).toBeLessThan(150);
  });
});

let logPath: string | undefined;
afterAll(() => {
  if (logPath) rmSync(logPath, { force: true });
});

/** A `vitest --reporter=verbose` log as GitHub Actions stores it: timestamps and colour codes. */
async function generateVitestLog(path: string, megabytes: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let tests = 0;
  const e = '\u001b';
  for (let file = 0; bytes < megabytes * 2 ** 20; file++) {
    let block = '';
    for (let i = 0; i < 200; i++, tests++) {
      const stamp = `2024-05-01T10:${String(file % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.1234567Z`;
      block += `${stamp}  ${e}[32m✓${e}[39m test/mod${file}.test.ts${e}[2m > ${e}[22mCart ${file}${e}[2m > ${e}[22mhandles case ${i}${e}[32m ${i % 9}${e}[2mms${e}[22m${e}[39m\n`;
    }
    bytes += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return tests;
}
