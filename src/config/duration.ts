import { TestloopError } from '../errors.ts';

/** "90s", "2m", "1m30s", "500ms", "1h", or a bare number of seconds → milliseconds; undefined when unreadable. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = value;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return value === '' ? undefined : total;
}

export const DURATION_MESSAGE = 'expected a duration such as 90s, 2m, 1m30s or 500ms';

/**
 * A duration option as a library takes it: the string the user wrote (`90s`), read once here, or the
 * older millisecond field when that is what the caller set.
 */
export function msOf(duration: string | undefined, ms?: number): number | undefined {
  if (ms !== undefined || duration === undefined) return ms;
  const parsed = parseDuration(duration);
  if (parsed === undefined)
    throw new TestloopError('TESTLOOP_USAGE', `duration "${duration}": ${DURATION_MESSAGE}`);
  return parsed;
}
