import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  ConfigReader,
  getPath,
  loadConfig,
  type StaticValue,
  Unknown,
} from '../../src/runners/static-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'testloop-static-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(files: Record<string, string>, entry = Object.keys(files)[0]!): StaticValue {
  for (const [name, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), source);
  }
  return loadConfig(join(dir, entry), { cwd: dir }).value;
}

function reason(value: StaticValue): string | undefined {
  return value instanceof Unknown ? value.reason : undefined;
}

describe('loadConfig', () => {
  test('reads literals through defineConfig, TS wrappers, templates and concatenation', () => {
    const value = load({
      'a/vitest.config.ts': `
        import { defineConfig } from 'vitest/config';
        const base = 'src';
        export default defineConfig({
          test: { include: [\`\${base}/**/*.test.ts\`, base + '/x.ts'] as string[], retry: -1, ok: !0, none: void 0 },
        } satisfies object);`,
    });
    expect(getPath(value, 'test')).toEqual({
      include: ['src/**/*.test.ts', 'src/x.ts'],
      retry: -1,
      ok: true,
    });
  });

  test('calls a config function with command and mode unknown', () => {
    const value = load({
      'b/vite.config.mts': `
        import { defineConfig } from 'vite';
        export default defineConfig(({ mode }) => {
          const include = ['a.test.ts'];
          return { test: { include, name: mode } };
        });`,
    });
    expect(getPath(value, 'test.include')).toEqual(['a.test.ts']);
    expect(reason(getPath(value, 'test.name'))).toBe("depends on the config function's mode");
  });

  test('evaluates path joins: path.resolve(__dirname), fileURLToPath(new URL(…, import.meta.url)), require', () => {
    const value = load({
      'c/jest.config.cjs': `
        const { resolve } = require('node:path');
        const url = require('node:url');
        module.exports = {
          roots: [resolve(__dirname, 'src'), url.fileURLToPath(new URL('./lib', 'file://' + __dirname + '/'))],
          cwd: process.cwd(),
        };`,
    });
    expect(getPath(value, 'roots')).toEqual([join(dir, 'c/src'), join(dir, 'c/lib')]);
    expect(getPath(value, 'cwd')).toBe(dir);
    const esm = load({
      'c2/vitest.config.mjs': `
        import { fileURLToPath } from 'node:url';
        import * as path from 'node:path';
        const here = path.dirname(fileURLToPath(import.meta.url));
        export default { a: fileURLToPath(new URL('./src', import.meta.url)), b: path.join(here, 'x') };`,
    });
    expect(esm).toEqual({ a: join(dir, 'c2/src'), b: join(dir, 'c2/x') });
  });

  test('follows a local import and merges like vite: arrays concatenate, aliases normalize, override first', () => {
    const value = load(
      {
        'd/vitest.config.ts': `
          import { mergeConfig } from 'vitest/config';
          import base from './vite.config';
          export default mergeConfig(base, {
            resolve: { alias: [{ find: '#', replacement: '/b' }] },
            test: { include: ['y'], environment: 'node' },
          });`,
        'd/vite.config.ts': `export default { resolve: { alias: { '@': '/a' } }, test: { include: ['x'], environment: 'jsdom' } };`,
      },
      'd/vitest.config.ts',
    );
    expect(value).toEqual({
      resolve: {
        alias: [
          { find: '#', replacement: '/b' },
          { find: '@', replacement: '/a' },
        ],
      },
      test: { include: ['x', 'y'], environment: 'node' },
    });
  });

  test('an unknown spread hides missing keys and the keys written before it', () => {
    const value = load({
      'e/vitest.config.ts': `
        import { shared } from 'some-package';
        export default { test: { include: ['a'] }, ...shared, resolve: { alias: {} } };`,
    });
    expect(reason(getPath(value, 'test.include'))).toBe('imports "shared" from the package "some-package"');
    expect(reason(getPath(value, 'root'))).toBe('imports "shared" from the package "some-package"');
    expect(getPath(value, 'resolve.alias')).toEqual({});
  });

  test('merging with an unknown base leaves overrides known but arrays and missing keys unknown', () => {
    const value = load({
      'f/vitest.config.ts': `
        import { mergeConfig } from 'vite';
        import base from 'shared-config';
        export default mergeConfig(base, { test: { environment: 'node', include: ['a'] } });`,
    });
    expect(getPath(value, 'test.environment')).toBe('node');
    expect(value instanceof Unknown).toBe(false);
    expect(reason(getPath(value, 'test.include'))).toBe('imports "default" from the package "shared-config"');
    expect(reason(getPath(value, 'test.setupFiles'))).toBe(
      'imports "default" from the package "shared-config"',
    );
  });

  test('a binding changed after its declaration is unknown, not stale', () => {
    const value = load({
      'g/jest.config.js': `
        const config = { testMatch: ['a'] };
        if (process.env.CI) config.testMatch.push('b');
        module.exports = config;`,
    });
    expect(reason(value)).toBe('"config" is changed after it is declared (line 3)');
  });

  test('reads typed jest configs and async config functions', () => {
    expect(
      load({
        'h/jest.config.ts': `
          import type { Config } from 'jest';
          const config: Config = { testMatch: ['**/*.spec.ts'] };
          export default config;`,
      }),
    ).toEqual({ testMatch: ['**/*.spec.ts'] });
    expect(load({ 'i/jest.config.js': 'module.exports = async () => ({ testMatch: ["x"] });' })).toEqual({
      testMatch: ['x'],
    });
  });

  test('files that do not parse or compute the whole config are unknown', () => {
    expect(reason(load({ 'j/vitest.config.ts': 'export default {' }))).toMatch(/^does not parse/);
    expect(reason(load({ 'k/vitest.config.ts': 'export default createConfig();' }))).toBe(
      'calls createConfig()',
    );
  });
});

describe('ConfigReader', () => {
  test('turns the unknown values a runner needed into one warning per cause, with file and line', () => {
    const file = join(dir, 'l/vitest.config.ts');
    const value = load({ 'l/vitest.config.ts': 'export default createConfig();' });
    const reader = new ConfigReader(dir);
    expect(reader.strings(value, 'test.include', file)).toBeUndefined();
    expect(reader.strings(value, 'test.exclude', file)).toBeUndefined();
    expect(reader.strings({ test: { include: [1] } }, 'test.include', file)).toBeUndefined();
    expect(reader.strings({ test: { include: 'a' } }, 'test.include', file)).toEqual(['a']);
    expect(reader.warnings()).toEqual([
      'l/vitest.config.ts:1: cannot read test.include, test.exclude statically (calls createConfig()); using the default',
      'l/vitest.config.ts: cannot read test.include statically (is not a list of strings); using the default',
    ]);
  });
});
