import { runnerByName } from '../../runners/registry.ts';
import type { TestContext } from '../types.ts';

/** The binding a test uses for the code under test: the export name, or a namespace for internals. */
function bindingOf(context: TestContext): { local: string; kind: 'named' | 'default' | 'namespace' } {
  // A target that is not exported is imported through the first export that runs it.
  const via = context.importName === undefined ? context.reachedThrough?.[0]?.split('.')[0] : undefined;
  const name = context.importName ?? via;
  if (name === undefined || name === 'default') {
    const base = context.target.file
      .split('/')
      .pop()!
      .replace(/\.[^.]*$/, '');
    if (name === undefined) {
      // A namespace named after the module, never after a function (`import * as chunk` beside `chunk()`).
      return { local: `${identifier(base)}Module`, kind: 'namespace' };
    }
    const local = identifier((via === undefined ? context.target.symbol?.split('.')[0] : undefined) ?? base);
    return { local: local === 'default' ? identifier(base) : local, kind: 'default' };
  }
  return { local: name, kind: 'named' };
}

/** The line that imports the code under test, in the test's module style. */
export function importLine(context: TestContext): string {
  const { local, kind } = bindingOf(context);
  const path = JSON.stringify(context.importPath).replace(/^"|"$/g, "'");
  if (context.moduleStyle === 'cjs') {
    if (kind === 'named') return `const { ${local} } = require(${path});`;
    return `const ${local} = require(${path});`;
  }
  if (kind === 'named') return `import { ${local} } from ${path};`;
  if (kind === 'default') return `import ${local} from ${path};`;
  return `import * as ${local} from ${path};`;
}

/** The test framework's own imports, as the runner's adapter writes them. */
export function frameworkImports(context: TestContext, names: 'stub' | 'full'): string[] {
  const authoring = runnerByName(context.runner)?.authoring;
  return authoring?.frameworkImports(context.moduleStyle !== 'cjs', names, context.example?.content) ?? [];
}

function identifier(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_$]+(.)?/g, (_, c: string | undefined) =>
    c ? c.toUpperCase() : '',
  );
  return /^[A-Za-z_$]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** Modules a test file takes its framework from: the test functions and the assertions. */
const FRAMEWORK_MODULE = /^(?:vitest|@jest\/globals|node:test|(?:node:)?assert(?:\/strict)?)$/;
const IMPORT_FROM =
  /^\s*(?:import\b[^'"]*\bfrom\s*|(?:const|let|var)\s[^=]*=\s*require\(\s*)(['"])([^'"]+)\1/;
const TEST_CALL = /\b(?:describe|it|test)(?:\.\w+)*\s*\(/;

/**
 * The first lines of a new test file, derived from the example test rather than imposed: the example's
 * own framework imports (none when it uses the runner's globals) and the import of the code under test
 * in its quote style. Without an example that is a test, the framework's usual imports.
 */
export function headerOf(context: TestContext): string[] {
  const example = context.example?.content;
  const own = importLine(context);
  if (example === undefined || !TEST_CALL.test(example)) return [...frameworkImports(context, 'full'), own];
  const framework = example
    .split('\n')
    .filter((line) => FRAMEWORK_MODULE.test(IMPORT_FROM.exec(line)?.[2] ?? ''))
    .map((line) => line.trim());
  const doubleQuotes =
    /^\s*import\b[^']*"[^"]+"/m.test(example) && !/^\s*import\b[^"]*'[^']+'/m.test(example);
  return [...framework, doubleQuotes ? own.replace(/'([^']*)'/, '"$1"') : own];
}
