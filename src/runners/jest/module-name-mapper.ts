import type { Alias } from '../../graph/types.ts';

/**
 * One moduleNameMapper entry as a regex alias. jest replaces the whole specifier with the mapped path
 * (`$1` filled from the match); a pattern not anchored at both ends is wrapped so that
 * `specifier.replace(regex, to)` gives the same result.
 */
export function mapperAlias(pattern: string, replacement: string): Alias {
  const find = /^\^[^|]*\$$/.test(pattern) ? pattern : `^(?:.*?)(?:${pattern})(?:.*)$`;
  return { find, regex: true, replacement };
}
