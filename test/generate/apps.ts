import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { FIXTURES } from './fixtures.ts';

export type { App };

/** A generate fixture in a fresh git repository (see copyFixtureApp). */
export function copyApp(name: string, extra: Record<string, string> = {}): App {
  return copyFixtureApp(FIXTURES, name, extra);
}
