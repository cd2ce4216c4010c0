import { describe, expect, it } from 'vitest';
import { isCoverageSource, isTestFile } from '../../src/gaps/source-files.ts';

describe('isCoverageSource', () => {
  it('takes source files of every language the coverage formats cover', () => {
    const sources = [
      'src/cart.ts',
      'src/cart.mjs',
      'src/components/Button.tsx',
      'src/components/Card.vue',
      'src/test-utils.ts',
      'src/testing/render.ts',
      'packages/ui/src/index.ts',
      'src/main/java/com/shop/Cart.java',
      'app/src/main/kotlin/Cart.kt',
      'shop/cart.py',
      'internal/cart/cart.go',
      'Shop/Cart.cs',
      'lib/cart.rb',
      'src/Latest.java',
    ];
    expect(sources.filter((path) => !isCoverageSource(path))).toEqual([]);
  });

  it('leaves out tests, declarations, tool configuration, manifests, lockfiles and documents', () => {
    const others = [
      '.gitignore',
      'package.json',
      'package-lock.json',
      'pnpm-lock.yaml',
      'tsconfig.json',
      'vitest.config.ts',
      'jest.config.js',
      'eslint.config.mjs',
      'README.md',
      'docs/guide.md',
      '.github/workflows/ci.yml',
      'src/types.d.ts',
      'src/cart.test.ts',
      'src/cart.spec.jsx',
      'src/__tests__/cart.ts',
      'src/__mocks__/fs.ts',
      'test/helpers/repo.ts',
      'tests/cart.rs',
      'packages/ui/test/setup.ts',
      'src/test/java/com/shop/CartTest.java',
      'Shop.Tests/CartTests.cs',
      'tests/test_cart.py',
      'shop/conftest.py',
      'internal/cart/cart_test.go',
      'spec/cart_spec.rb',
      'logo.png',
    ];
    expect(others.filter((path) => isCoverageSource(path))).toEqual([]);
  });

  it('knows test files of each ecosystem by their conventions', () => {
    expect(isTestFile('src/cart.test.ts')).toBe(true);
    expect(isTestFile('src/types.test-d.ts')).toBe(true);
    expect(isTestFile('internal/cart/cart_test.go')).toBe(true);
    expect(isTestFile('src/test/kotlin/CartSpec.kt')).toBe(true);
    expect(isTestFile('src/cart.ts')).toBe(false);
    expect(isTestFile('src/contest.ts')).toBe(false);
    expect(isTestFile('src/main/java/com/shop/Contest.java')).toBe(false);
  });
});
