import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isTestloopError } from '../../src/errors.ts';
import { parseSeconds } from '../../src/junit/duration.ts';
import { decodeEntities } from '../../src/junit/entities.ts';
import { readJUnit } from '../../src/junit/junit-reader.ts';
import { JUnitBuilder } from '../../src/junit/junit-xml.ts';
import { readReport } from '../../src/junit/registry.ts';
import { Warnings } from '../../src/junit/stream.ts';
import type { TestAttempt } from '../../src/junit/types.ts';
import { readUtf8 } from '../../src/junit/utf8.ts';
import { XmlTokenizer } from '../../src/junit/xml-tokenizer.ts';
import { fixtures, readAll } from './read.ts';

const tmp = mkdtempSync(join(tmpdir(), 'testloop-junit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function parse(text: string, chunk = text.length): { attempts: TestAttempt[]; warnings: string[] } {
  const warnings = new Warnings();
  const builder = new JUnitBuilder('report.xml', warnings);
  const tokenizer = new XmlTokenizer(builder, 'report.xml');
  const attempts: TestAttempt[] = [];
  for (let i = 0; i < text.length; i += Math.max(1, chunk)) {
    tokenizer.write(text.slice(i, i + chunk));
    attempts.push(...builder.take());
  }
  tokenizer.end();
  builder.finish();
  attempts.push(...builder.take());
  return { attempts, warnings: warnings.list };
}

function parseError(text: string): { code: string; message: string } {
  try {
    parse(text);
  } catch (error) {
    if (isTestloopError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a parse error');
}

const wrap = (inner: string) => `<testsuites>\n<testsuite name="s">\n${inner}\n</testsuite>\n</testsuites>\n`;

describe('streaming XML tokenizer', () => {
  const files = [
    'surefire/TEST-com.example.cart.CartServiceTest.xml',
    'playwright/results.xml',
    'jest-junit/default.xml',
    'vitest/junit.xml',
    'pytest/xunit2.xml',
    'gotestsum/junit.xml',
    'nested/phpunit.xml',
    'node-test/junit.xml',
  ];

  it.each(files)('reads %s the same whatever the chunk boundaries', (file) => {
    const text = readFileSync(join(fixtures, file), 'utf8');
    const whole = JSON.stringify(parse(text));
    for (const chunk of [1, 2, 3, 5, 8, 13, 64, 1000])
      expect(JSON.stringify(parse(text, chunk)), `chunk ${chunk}`).toBe(whole);
  });

  it('decodes the XML entities and character references, and keeps unknown ones as written', () => {
    expect(decodeEntities('a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;')).toBe('a <b> & "c" \'d\'');
    expect(decodeEntities('&#65;&#x42;&#x1F600;')).toBe('AB😀');
    expect(decodeEntities('&nbsp; &bogus; & alone &#0; &#xD800; &#99999999;')).toBe(
      '&nbsp; &bogus; & alone &#0; &#xD800; &#99999999;',
    );
    const { attempts } = parse(
      wrap(
        `<testcase classname="a.B" name="x &amp; y &#x3E; z"><failure message="m">1 &lt; 2 &unknown; <![CDATA[<raw> &amp; ]] ]]></failure></testcase>`,
      ),
    );
    expect(attempts[0]!.name).toBe('x & y > z');
    expect(attempts[0]!.stack).toBe('1 < 2 &unknown; <raw> &amp; ]]');
  });

  it('skips comments, processing instructions and a DOCTYPE with an internal subset', () => {
    const text = `<?xml version="1.0"?>\n<!DOCTYPE testsuites [ <!ENTITY x "a > b"> <!ATTLIST y z CDATA "]>"> ]>\n<!-- <testcase name="no"/> -->\n${wrap('<?pi <testcase name="no"/> ?><testcase classname="a.B" name="yes"/><!-- -- -->')}<!-- trailing -->\n`;
    expect(parse(text).attempts.map((a) => a.name)).toEqual(['yes']);
  });

  it('accepts single-quoted attributes, whitespace around "=" and a UTF-8 BOM', () => {
    const text = `\uFEFF<testsuites><testsuite name = 's'><testcase classname = 'a.B'\n  name='x "quoted"' time = "1"/></testsuite></testsuites>`;
    expect(parse(text).attempts[0]).toMatchObject({ name: 'x "quoted"', durationMs: 1000 });
  });

  it('reads a second root element (concatenated reports) with a warning', () => {
    const one = wrap('<testcase classname="a.B" name="one"/>');
    const two = wrap('<testcase classname="a.B" name="two"/>');
    const stream = join(tmp, 'two-roots.xml');
    writeFileSync(stream, `${one}${two}`);
    return (async () => {
      const report = readJUnit(stream);
      expect((await readAll(report)).map((a) => a.name)).toEqual(['one', 'two']);
      expect(report.warnings[0]).toMatch(/two-roots\.xml:6: a second root element <testsuites>/);
    })();
  });

  it.each([
    [
      'truncated inside a start tag',
      `<testsuites>\n<testsuite name="s">\n<testcase name="a" time="0.`,
      3,
      'the report is truncated',
    ],
    [
      'an element left open',
      `<testsuites>\n<testsuite name="s">\n<testcase name="a"/>\n`,
      4,
      '<testsuite> is not closed',
    ],
    [
      'a closing tag that does not match',
      `<testsuites>\n<testsuite>\n</testsuites>`,
      3,
      'closing tag </testsuites> does not match <testsuite>',
    ],
    [
      'an unquoted attribute',
      `<testsuites>\n<testsuite name=s>`,
      2,
      'attribute "name" of <testsuite> is not quoted',
    ],
    [
      '"<" in an attribute value',
      `<testsuites>\n<testsuite name="a<b">`,
      2,
      '"<" inside the value of attribute "name"',
    ],
    [
      'an attribute without value',
      `<testsuites>\n\n<testsuite name>`,
      3,
      'attribute "name" of <testsuite> has no value',
    ],
    ['text after the root', `<testsuites/>\ngarbage`, 2, 'text after the root element'],
    ['text before the root', `garbage\n<testsuites/>`, 1, 'text before the root element'],
    ['an empty file', ``, 1, 'no XML element found'],
    ['an unterminated comment', `<testsuites>\n<!-- cut`, 2, 'inside a comment'],
    ['"<" not starting a name', `<testsuites>\n< testsuite>`, 2, '"<" not followed by an element name'],
    [
      'a stray closing tag',
      `<testsuites/>\n</testsuites>`,
      2,
      'closing tag </testsuites> without an open element',
    ],
  ])('%s is TESTLOOP_JUNIT_PARSE with the line', (_name, text, line, detail) => {
    const { code, message } = parseError(text);
    expect(code).toBe('TESTLOOP_JUNIT_PARSE');
    expect(message).toContain(`report.xml:${line}: `);
    expect(message).toContain(detail);
    expect(message).toContain('Regenerate the report');
  });

  it('names the line of an error far into a large file', async () => {
    const path = join(tmp, 'late-error.xml');
    const body = Array.from({ length: 30_000 }, (_, i) => `<testcase classname="a.B" name="t${i}"/>`).join(
      '\n',
    );
    writeFileSync(path, `<testsuites>\n<testsuite name="s">\n${body}\n</testsuite>\n</testsuites oops="1>\n`);
    await expect(readAll(readJUnit(path))).rejects.toMatchObject({
      code: 'TESTLOOP_JUNIT_PARSE',
      message: expect.stringContaining('late-error.xml:30004: '),
    });
  });

  it('reports malformed fixture files through readReport', async () => {
    await expect(readAll(readReport(join(fixtures, 'malformed/truncated.xml')))).rejects.toMatchObject({
      code: 'TESTLOOP_JUNIT_PARSE',
      message: expect.stringMatching(/truncated\.xml:6: unexpected end of file inside a start tag/),
    });
    await expect(readAll(readReport(join(fixtures, 'malformed/mismatched.xml')))).rejects.toMatchObject({
      code: 'TESTLOOP_JUNIT_PARSE',
      message: expect.stringMatching(/mismatched\.xml:5: closing tag <\/error> does not match <failure>/),
    });
    await expect(readAll(readReport(join(fixtures, 'malformed/invalid-utf8.xml')))).rejects.toMatchObject({
      code: 'TESTLOOP_INVALID_UTF8',
      message: expect.stringMatching(/invalid-utf8\.xml:4: invalid UTF-8\. Re-encode the file as UTF-8/),
    });
    await expect(readAll(readReport(join(fixtures, 'malformed/not-a-report.txt')))).rejects.toMatchObject({
      code: 'TESTLOOP_JUNIT_FORMAT',
    });
  });
});

describe('streaming UTF-8', () => {
  async function decode(path: string, chunk: number): Promise<string> {
    let text = '';
    for await (const part of readUtf8(path, () => 0, chunk)) text += part;
    return text;
  }

  it('decodes characters split across chunk boundaries', async () => {
    const path = join(tmp, 'multibyte.txt');
    const text = 'ascii ✓ × › ❯ 日本語 😀 é\n'.repeat(50);
    writeFileSync(path, `\uFEFF${text}`);
    for (const chunk of [1, 2, 3, 5, 7, 64]) expect(await decode(path, chunk)).toBe(text);
  });

  it('names the line of an invalid byte in a later chunk, and a truncated sequence at the end', async () => {
    const path = join(tmp, 'bad.txt');
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i} ✓`).join('\n');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from(`${lines}\nbad `), Buffer.from([0xc3, 0x28]), Buffer.from(' here\n')]),
    );
    // The caller says how many lines it has received; the reader counts inside the failing chunk.
    const read = async () => {
      let received = 0;
      for await (const part of readUtf8(path, () => received, 256)) received += part.split('\n').length - 1;
    };
    await expect(read()).rejects.toMatchObject({
      code: 'TESTLOOP_INVALID_UTF8',
      message: expect.stringContaining('bad.txt:501:'),
    });
    writeFileSync(path, Buffer.concat([Buffer.from('a\nb\n'), Buffer.from([0xe2, 0x9c])]));
    await expect(read()).rejects.toMatchObject({
      code: 'TESTLOOP_INVALID_UTF8',
      message: expect.stringContaining('bad.txt:3:'),
    });
  });

  it('says when a file looks like UTF-16', async () => {
    const path = join(tmp, 'utf16.xml');
    writeFileSync(path, Buffer.from('\uFEFF<testsuites/>', 'utf16le'));
    await expect(readAll(readJUnit(path))).rejects.toMatchObject({
      code: 'TESTLOOP_INVALID_UTF8',
      message: expect.stringContaining('(it looks like UTF-16)'),
    });
  });
});

describe('durations', () => {
  it.each([
    ['0.012', 12],
    ['1.5', 1500],
    ['0.001488428', 1.488],
    ['12', 12_000],
    ['1,234.5', 1_234_500],
    ['1.234,5', 1_234_500],
    ['0,045', 45],
    ['1,234,567', 1_234_567_000],
    ['1 234,5', 1_234_500],
    ["1'234.5", 1_234_500],
    ['1e-3', 1],
    ['', 0],
    [undefined, 0],
  ])('%s s → %s ms', (raw, ms) => {
    expect(parseSeconds(raw)).toBe(ms);
  });

  it.each(['-1', 'x.5', 'NaN', '1e400', 'Infinity', '1..2', '--'])('%s is not a duration', (raw) => {
    expect(parseSeconds(raw)).toBeUndefined();
  });

  it('records an unreadable time as 0 ms, with one warning', () => {
    const { attempts, warnings } = parse(
      wrap('<testcase classname="a.B" name="x" time="soon"/><testcase classname="a.B" name="y" time="-1"/>'),
    );
    expect(attempts.map((a) => a.durationMs)).toEqual([0, 0]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('time "soon" of a.B › x is not a number of seconds');
  });
});
