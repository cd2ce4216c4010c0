import type { TestContext } from '../types.ts';

/** The binding a test uses for the code under test: the export name, or a namespace for internals. */
export function bindingOf(context: TestContext): { local: string; kind: 'named' | 'default' | 'namespace' } {
  const name = context.importName;
  if (name === undefined || name === 'default') {
    const base = context.target.file
      .split('/')
      .pop()!
      .replace(/\.[^.]*$/, '');
    const local = identifier(name === 'default' ? (context.target.symbol?.split('.')[0] ?? base) : base);
    return {
      local: local === 'default' ? identifier(base) : local,
      kind: name === 'default' ? 'default' : 'namespace',
    };
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

/** The test framework's own imports (jest's globals need none). */
export function frameworkImports(context: TestContext, names: 'stub' | 'full'): string[] {
  const esm = context.moduleStyle !== 'cjs';
  if (context.runner === 'vitest') {
    const list = names === 'stub' ? 'describe, it' : 'describe, expect, it, vi';
    return [esm ? `import { ${list} } from 'vitest';` : `const { ${list} } = require('vitest');`];
  }
  if (context.runner === 'node') {
    if (names === 'stub')
      return [
        esm
          ? "import { describe, test } from 'node:test';"
          : "const { describe, test } = require('node:test');",
      ];
    return esm
      ? ["import assert from 'node:assert/strict';", "import { describe, it } from 'node:test';"]
      : ["const assert = require('node:assert/strict');", "const { describe, it } = require('node:test');"];
  }
  if (context.example?.content.includes('@jest/globals')) {
    const list = names === 'stub' ? 'describe, it' : 'describe, expect, it, jest';
    return [
      esm ? `import { ${list} } from '@jest/globals';` : `const { ${list} } = require('@jest/globals');`,
    ];
  }
  return [];
}

function identifier(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_$]+(.)?/g, (_, c: string | undefined) =>
    c ? c.toUpperCase() : '',
  );
  return /^[A-Za-z_$]/.test(cleaned) ? cleaned : `_${cleaned}`;
}
