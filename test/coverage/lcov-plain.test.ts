import { describe, expect, it } from 'vitest';
import { plainRecordEnd } from '../../src/coverage/readers/lcov-plain.ts';

/** The plain record lines, as the lcov format writes them: what the byte check must accept, and only that. */
const PLAIN_LINE =
  /^(?:DA:[1-9]\d{0,14},\d{1,15}|BRDA:[1-9]\d{0,14},[^\n,]*,[^\n]*,(?:\d{1,15}|-)|FNDA:\d{1,15},[^\n]*[!-~]|FN:[1-9]\d{0,14},[^\n]*[!-~]|(?:LF|LH|BRF|BRH|FNF|FNH):\d{1,15})\r?\n/;

const accepts = (line: string): boolean => plainRecordEnd(Buffer.from(line, 'latin1'), 0) !== -1;

/** A seeded generator, so a failure names a line that can be tried again. */
function* randomLines(count: number): Generator<string> {
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const heads = [
    'DA:',
    'BRDA:',
    'FN:',
    'FNDA:',
    'LF:',
    'LH:',
    'BRF:',
    'BRH:',
    'FNF:',
    'FNH:',
    'FNL:',
    'D',
    'BR',
  ];
  const alphabet = ['0', '1', '9', '5', ',', ',', '-', ' ', '\r', 'x', 'e', '+', '.', ':', '\t', '~'];
  for (let n = 0; n < count; n++) {
    let line = heads[next(heads.length)]!;
    const length = next(24);
    for (let i = 0; i < length; i++) line += alphabet[next(alphabet.length)];
    yield `${line}${next(6) === 0 ? '' : '\n'}`;
  }
}

describe('plain lcov record lines checked on bytes', () => {
  it.each([
    ['DA:12,0\n', true],
    ['DA:12,3\r\n', true],
    ['BRDA:4,0,1,-\n', true],
    ['BRDA:4,e0,jump,1,2,7\n', true],
    ['FN:3,add,sub\n', true],
    ['FN:3,8,add\n', true],
    ['FNDA:0,add\n', true],
    ['BRH:0\n', true],
    ['DA:0,1\n', false],
    ['DA:01,1\n', false],
    ['DA:1,1', false],
    ['DA:1,-1\n', false],
    ['DA:1,1,abc\n', false],
    ['DA:1234567890123456,1\n', false],
    ['BRDA:4,0,1\n', false],
    ['BRDA:4,0,1,\n', false],
    ['FN:3,add \n', false],
    ['FN:3,\n', false],
    ['FN:3,add\r\r\n', false],
    ['FNDA:1,f\u00e9\n', false],
    ['SF:a.js\n', false],
    ['end_of_record\n', false],
  ])('%j: %s', (line, plain) => {
    expect(accepts(line)).toBe(plain);
  });

  it('accepts exactly the lines the plain forms describe, and returns the offset after the line', () => {
    let plain = 0;
    for (const line of randomLines(50_000)) {
      const expected = PLAIN_LINE.exec(line);
      const end = plainRecordEnd(Buffer.from(`${line}DA:1,1\n`, 'latin1'), 0);
      expect({ line, end }).toEqual({ line, end: expected ? expected[0].length : -1 });
      if (expected) plain++;
    }
    // Both outcomes occur often, or the generator is not reaching the checks.
    expect(plain).toBeGreaterThan(2_000);
  });
});
