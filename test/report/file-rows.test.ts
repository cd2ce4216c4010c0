import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CiResult } from '../../src/ci/types.ts';
import { findGaps } from '../../src/gaps/find-gaps.ts';
import type { GapsResult } from '../../src/gaps/types.ts';
import { renderCiComment } from '../../src/integrations/github/comment.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { textReporter } from '../../src/report/text.ts';
import { numberedLines, TempRepo } from '../helpers/git-repo.ts';

/**
 * A first change as it comes: a source file with a test, a source file no report mentions, and the
 * project files around them (ignore file, manifest, lockfile, runner config, a helper, a declaration).
 */
const NOISE = [
  '.gitignore',
  'package-lock.json',
  'package.json',
  'src/cart.test.ts',
  'src/globals.d.ts',
  'test/helpers/cart-fixture.ts',
  'vitest.config.ts',
];

let repo: TempRepo;
let result: GapsResult;

beforeAll(async () => {
  repo = new TempRepo();
  repo.write('README.md', '# shop\n').commit('base');
  repo.git('checkout', '--quiet', '-b', 'feature');
  repo.write('src/cart.ts', numberedLines(6));
  repo.write('src/legacy/report.js', numberedLines(4));
  repo.write('.gitignore', 'node_modules\ncoverage\n');
  repo.write('package.json', '{ "name": "shop", "type": "module" }\n');
  repo.write('package-lock.json', '{ "lockfileVersion": 3 }\n');
  repo.write('vitest.config.ts', 'export default {};\n');
  repo.write('src/cart.test.ts', numberedLines(3));
  repo.write('src/globals.d.ts', 'declare const VERSION: string;\n');
  repo.write('test/helpers/cart-fixture.ts', numberedLines(2));
  repo.commit('feature');
  repo.write('lcov.info', `SF:${repo.dir}/src/cart.ts\nDA:1,1\nDA:2,0\nDA:3,1\nend_of_record\n`);
  result = await findGaps({ cwd: repo.dir, base: 'main', coverage: ['lcov.info'] });
});

afterAll(() => repo?.remove());

describe('files coverage does not measure', () => {
  it('stay in the gaps JSON, each marked not measured, with a warning only for the source file', () => {
    expect(result.files.map((file) => [file.path, file.measured])).toEqual([
      ['.gitignore', false],
      ['package-lock.json', false],
      ['package.json', false],
      ['src/cart.test.ts', false],
      ['src/cart.ts', true],
      ['src/globals.d.ts', false],
      ['src/legacy/report.js', false],
      ['test/helpers/cart-fixture.ts', false],
      ['vitest.config.ts', false],
    ]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^src\/legacy\/report\.js: changed, but no coverage report mentions it/),
    ]);
  });

  it('are one counted line in the text report; the unmeasured source file keeps its row', () => {
    const text = textReporter.render(result, { color: false });
    expect(text.split('\n').filter((line) => line.includes('not measured'))).toEqual([
      'src/legacy/report.js  not measured: no coverage report mentions this file',
      `7 other changed files (tests, configuration, manifests, documents) are not measured by coverage: ${NOISE.slice(0, 5).join(', ')} and 2 more.`,
    ]);
    expect(text).toContain('src/cart.ts           66.66%  1/3 uncovered: 2\n');
  });

  it('are one counted line under the markdown table (job summary)', () => {
    const markdown = renderMarkdown(result, { color: false });
    const table = markdown.split('\n').filter((line) => line.startsWith('| src'));
    expect(table).toEqual([
      '| src/cart.ts | 66.66% | 3 | 2 |',
      '| src/legacy/report.js | not measured | – | |',
    ]);
    expect(markdown).toContain(
      '7 other changed files (tests, configuration, manifests, documents) are not measured by coverage: .gitignore, package-lock.json, package.json, src/cart.test.ts, src/globals.d.ts and 2 more.',
    );
  });

  it('are one counted line under the table of the pull-request comment', () => {
    const fixture = new URL('../fixtures/integrations/github/ci-result.json', import.meta.url);
    const ci = { ...(JSON.parse(readFileSync(fixture, 'utf8')) as CiResult), gaps: result };
    const body = renderCiComment(ci, { serverUrl: 'https://github.com', repository: '', headSha: '' });
    const section = body.slice(body.indexOf('#### Diff coverage by file'), body.indexOf('#### Generated'));
    expect(section.trim().split('\n')).toEqual([
      '#### Diff coverage by file',
      '',
      '| File | Coverage | Uncovered lines |',
      '| --- | ---: | --- |',
      '| src/cart.ts | 66.66% | 2 |',
      '| src/legacy/report.js | not measured | no coverage report mentions this file |',
      '',
      '7 other changed files (tests, configuration, manifests, documents) are not measured by coverage: `.gitignore`, `package-lock.json`, `package.json`, `src/cart.test.ts`, `src/globals.d.ts` and 2 more.',
    ]);
  });

  it('leave a line even when they are all that changed', () => {
    const only = { ...result, files: result.files.filter((file) => NOISE.includes(file.path)) };
    expect(textReporter.render(only, { color: false })).toContain(
      '7 other changed files (tests, configuration, manifests, documents) are not measured by coverage',
    );
    expect(renderMarkdown(only, { color: false })).not.toContain('| File |');
  });
});
