import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { FIXTURES } from './fixtures.ts';

export type { App };

/** A generate fixture in a fresh git repository (see copyFixtureApp). */
export function copyApp(name: string, extra: Record<string, string> = {}): App {
  return copyFixtureApp(FIXTURES, name, extra);
}

/**
 * vitest-app's own test replaced by one that runs neither function's body: without --coverage, generate
 * runs a file's tests first, and a function they cover is not a target (the fixture's test covers price).
 */
export const BODIES_UNTESTED = {
  'src/price.test.ts':
    "import { expect, test } from 'vitest';\nimport { price } from './price.ts';\n\ntest('price is a function', () => {\n  expect(typeof price).toBe('function');\n});\n",
};
