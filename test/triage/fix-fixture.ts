import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TempRepo } from '../helpers/git-repo.ts';

// The triage --fix fixture (test/fixtures/triage/fix-app): a test that fails every other run, an
// order-dependent one and one that never fails, with the replies a scripted model gives.

export const FIXTURE = join(import.meta.dirname, '../fixtures/triage/fix-app');
/** The same kinds under jest (CommonJS). */
export const JEST_FIXTURE = join(import.meta.dirname, '../fixtures/triage/fix-jest-app');
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
export const FLAKY = 'tests/flaky.test.ts › dice › rolls an even number';
export const ORDER = 'tests/order.test.ts › registry › starts empty';
export const STABLE = 'tests/stable.test.ts › math › adds';

/** A scripted reply: the whole test file as JSON {code}. */
export const reply = (name: string): string =>
  JSON.stringify({ code: readFileSync(join(FIXTURE, 'replies', name), 'utf8') });

/** The fixture as a fresh repository, node_modules linked to this package's. */
export function fixtureRepo(fixture = FIXTURE): TempRepo {
  const repo = new TempRepo('testloop-triage-fix-');
  cpSync(fixture, repo.dir, { recursive: true });
  mkdirSync(join(repo.dir, 'node_modules'));
  for (const entry of readdirSync(NODE_MODULES)) {
    if (!entry.startsWith('.vite') && entry !== '.cache')
      symlinkSync(join(NODE_MODULES, entry), join(repo.dir, 'node_modules', entry));
  }
  repo.commit('fixture');
  return repo;
}
