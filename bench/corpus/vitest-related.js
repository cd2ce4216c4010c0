// `node bench/corpus/vitest-related.js <file>…` in a vitest package: prints the test files vitest's own
// related-tests answer holds for the changed files, one absolute path a line, and runs no test. vitest 4 has
// no list-only related mode on its command line (`vitest list` rejects --related, `vitest related --run`
// runs the tests), so this does what `vitest list --filesOnly` does with `related` set. The package's own
// vitest is used (resolved from the working directory).
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const changed = process.argv.slice(2).map((file) => resolve(file));
if (changed.length === 0) {
  process.stderr.write('usage: node vitest-related.js <changed file>…\n');
  process.exit(2);
}
const fromHere = createRequire(join(process.cwd(), 'package.json'));
const { createVitest } = await import(pathToFileURL(fromHere.resolve('vitest/node')).href);
const vitest = await createVitest('test', {
  watch: false,
  run: true,
  passWithNoTests: true,
  related: changed,
});
const specs = await vitest.getRelevantTestSpecifications();
process.stdout.write(`${[...new Set(specs.map((spec) => spec.moduleId))].join('\n')}\n`);
await vitest.close();
process.exit(0);
