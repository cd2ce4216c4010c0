/**
 * Seconds as JUnit reporters write them, to milliseconds (rounded to the microsecond).
 *
 * Reporters disagree on number formatting, so the rule is:
 * - spaces, no-break spaces and apostrophes are digit grouping (`1 234,5`, `1'234.5`);
 * - with both `,` and `.` present, the last one is the decimal mark (`1,234.5`, `1.234,5`);
 * - several `,` alone are grouping (`1,234,567`); a single `,` alone is a decimal comma (`0,012`),
 *   since old Surefire versions wrote the JVM locale's decimal comma and a test over 1,000 s is rare;
 * - an exponent (`1e-3`) is accepted.
 * A missing value is 0. Anything else (negative, not a number, infinite) returns undefined: the caller
 * records 0 and warns once, rather than dropping a whole report over a cosmetic field.
 */
export function parseSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return 0;
  const plain = plainSeconds(raw);
  if (plain >= 0) return Math.round(plain * 1e6) / 1e3;
  let text = raw.trim();
  if (text === '') return 0;
  if (!SIMPLE.test(text)) {
    text = text.replace(/[\s\u00a0\u202f']/g, '');
    const comma = text.lastIndexOf(',');
    const dot = text.lastIndexOf('.');
    if (comma !== -1 && dot !== -1) {
      text = comma > dot ? text.replace(/\./g, '').replace(',', '.') : text.replace(/,/g, '');
    } else if (comma !== -1) {
      text = text.indexOf(',') === comma ? text.replace(',', '.') : text.replace(/,/g, '');
    }
    if (!NUMBER.test(text)) return undefined;
  }
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  const ms = Math.round(seconds * 1e6) / 1e3;
  return Number.isFinite(ms) ? ms : undefined;
}

const SIMPLE = /^\d+(?:\.\d+)?$/;
const NUMBER = /^\+?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `12` or `0.0123` without a regex (the common case, once per testcase); -1 for anything else. */
function plainSeconds(raw: string): number {
  const length = raw.length;
  if (length === 0 || length > 20) return -1;
  let dot = false;
  for (let i = 0; i < length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2e) {
      if (dot || i === 0 || i === length - 1) return -1;
      dot = true;
    } else if (c < 0x30 || c > 0x39) return -1;
  }
  return Number(raw);
}
