import { describe, expect, test } from 'vitest';
import { detectRunner, runnerAdapters } from '../../src/runners/registry.ts';
import { flagValue, shellWords, testInvocations } from '../../src/runners/scripts.ts';
import type { ProjectInfo } from '../../src/runners/types.ts';

function project(packageJson: Record<string, unknown>, files: string[] = []): ProjectInfo {
  return { root: '/repo', dir: '/repo', packageJson, files };
}

describe('detectRunner', () => {
  test('the test script decides between installed runners', () => {
    const devDependencies = { jest: '^30.0.0', vitest: '^4.1.0' };
    expect(detectRunner(project({ devDependencies, scripts: { test: 'vitest run' } }))?.name).toBe('vitest');
    expect(detectRunner(project({ devDependencies, scripts: { test: 'jest --ci' } }))?.name).toBe('jest');
    expect(detectRunner(project({ devDependencies, scripts: { test: 'node --test' } }))?.name).toBe('node');
  });

  test('follows npm run and wrappers in the test script', () => {
    const scripts = {
      test: 'npm run build && npm run test:unit',
      'test:unit': 'cross-env CI=1 npx vitest --run',
    };
    expect(detectRunner(project({ scripts }))?.name).toBe('vitest');
    expect(detectRunner(project({ scripts: { test: 'react-scripts test' } }))?.name).toBe('jest');
    expect(detectRunner(project({ scripts: { test: 'yarn jest --ci' } }))?.name).toBe('jest');
  });

  test('config files count without a script; a vite.config alone does not make a vitest package', () => {
    expect(detectRunner(project({}, ['vitest.config.ts']))?.name).toBe('vitest');
    expect(detectRunner(project({}, ['jest.config.js']))?.name).toBe('jest');
    expect(detectRunner(project({ jest: { testEnvironment: 'node' } }))?.name).toBe('jest');
    expect(detectRunner(project({}, ['vite.config.ts']))).toBeUndefined();
    expect(detectRunner(project({ devDependencies: { vitest: '^4.1.0' } }, ['vite.config.ts']))?.name).toBe(
      'vitest',
    );
  });

  test('nothing to go on: no runner', () => {
    expect(
      detectRunner(project({ scripts: { test: 'echo "Error: no test specified" && exit 1' } })),
    ).toBeUndefined();
    expect(runnerAdapters.map((adapter) => adapter.name)).toEqual(['vitest', 'jest', 'node', 'playwright']);
  });
});

describe('package.json scripts', () => {
  test('shellWords splits commands and honours quotes', () => {
    expect(shellWords(`A=1 node --test 'test/**/*.test.js' "a b" && echo x;y || z`)).toEqual([
      ['A=1', 'node', '--test', 'test/**/*.test.js', 'a b'],
      ['echo', 'x'],
      ['y'],
      ['z'],
    ]);
  });

  test('testInvocations peels env assignments and wrappers', () => {
    expect(
      testInvocations({
        scripts: {
          test: 'pnpm test:ci',
          'test:ci': 'TZ=UTC dotenv -e .env.test -- pnpm exec vitest run -c vitest.ci.ts',
        },
      }),
    ).toEqual([{ program: 'vitest', args: ['run', '-c', 'vitest.ci.ts'], env: { TZ: 'UTC' } }]);
    expect(flagValue(['run', '-c', 'a.ts', '--config=b.ts'], ['--config', '-c'])).toBe('b.ts');
  });
});
