import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TempRepo } from '../helpers/git-repo.ts';
import { type McpSession, startMcp, textOf } from '../helpers/mcp-client.ts';

const TESTS = 3000;

describe('testloop mcp: answers stay bounded on a large repository', () => {
  let repo: TempRepo;
  let mcp: McpSession;

  beforeAll(async () => {
    repo = new TempRepo('testloop-mcp-large-');
    repo.write(
      'package.json',
      JSON.stringify({ name: 'large', type: 'module', devDependencies: { vitest: '^4.1.0' } }),
    );
    repo.write('src/core.ts', 'export const core = 1;\n');
    for (let i = 0; i < TESTS; i++)
      repo.write(
        `test/area-${i % 30}/case-${i}.test.ts`,
        `import { core } from '../../src/core.ts';\nit('works', () => core);\n`,
      );
    repo.commit('large');
  }, 180_000);
  afterAll(async () => {
    await mcp?.close();
    repo?.remove();
  });

  it('cuts the longest list, keeps its head and says what was cut', async () => {
    mcp = await startMcp(repo.dir);
    const result = await mcp.call('select_tests', { changed: ['src/core.ts'] });
    expect(result.isError).toBeFalsy();
    const answer = result.structuredContent as {
      tests: unknown[];
      truncated: string[];
      stats: { totalTests: number };
    };
    expect(answer.stats.totalTests).toBe(TESTS);
    expect(answer.tests.length).toBeGreaterThan(0);
    expect(answer.tests.length).toBeLessThan(TESTS);
    expect(answer.truncated).toEqual([`tests: ${answer.tests.length} of ${TESTS} kept`]);
    expect(JSON.stringify(answer).length).toBeLessThanOrEqual(40_500);
    expect(textOf(result)).toContain(`Cut to fit`);
    expect(textOf(result)).toContain(`${TESTS} of ${TESTS} test files selected`);
  });

  it('takes a smaller limit from --answer-limit', async () => {
    const small = await startMcp(repo.dir, { args: ['--answer-limit', '5000'] });
    try {
      const result = await small.call('select_tests', { changed: ['src/core.ts'] });
      expect(JSON.stringify(result.structuredContent).length).toBeLessThanOrEqual(5_500);
    } finally {
      await small.close();
    }
  });
});
