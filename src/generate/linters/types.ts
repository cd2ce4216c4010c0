/** A repository's own linter, as generate uses it on a candidate test. One object per linter. */
export interface Linter {
  name: 'biome' | 'eslint';
  /** The candidate after the linter's safe fixes (formatting, import order, safe rule fixes). */
  fix(testFile: string, code: string): Promise<string>;
  /** Lint errors left in a file on disk (the scratch copy), one per line; empty when it passes. */
  check(file: string, cwd: string): Promise<string[]>;
}
