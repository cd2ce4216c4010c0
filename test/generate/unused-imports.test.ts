import { describe, expect, it } from 'vitest';
import { removeUnusedImports } from '../../src/generate/unused-imports.ts';

describe('removeUnusedImports', () => {
  it('drops the bindings a candidate never uses, keeps aliases, types, quotes, attributes and side effects', () => {
    const code = `import { describe, expect, it, vi } from 'vitest';
import type { X, Y } from './x.ts';
import d, * as ns from "./y.js";
import './setup.ts';
import { a as b, type T, unused } from './z.json' with { type: 'json' };
// é ü 😀 (offsets stay right after non-ASCII text)
it('a', () => {
  expect(1 as unknown as X).toBe(b);
  const t: T = 1;
});
`;
    expect(removeUnusedImports('a.test.ts', code)).toBe(`import { expect, it } from 'vitest';
import type { X } from './x.ts';
import './setup.ts';
import { a as b, type T } from './z.json' with { type: 'json' };
// é ü 😀 (offsets stay right after non-ASCII text)
it('a', () => {
  expect(1 as unknown as X).toBe(b);
  const t: T = 1;
});
`);
  });

  it('keeps React (or the @jsx pragma function) where JSX uses it without naming it (classic runtime)', () => {
    const react = `import React from 'react';
import { expect, it } from 'vitest';
import { render } from './render.ts';
it('renders', () => {
  expect(render(<p>hi</p>)).toBeTruthy();
});
`;
    expect(removeUnusedImports('a.test.tsx', react)).toBe(react);
    const pragma = `/** @jsx h */
import { h, Fragment } from 'preact';
import { it } from 'vitest';
it('renders', () => {
  void (<b />);
});
`;
    expect(removeUnusedImports('a.test.jsx', pragma)).toBe(pragma.replace('{ h, Fragment }', '{ h }'));
  });

  it('leaves code that does not parse, and code without unused imports, as it is', () => {
    expect(removeUnusedImports('a.test.ts', "import { x } from 'y';\nit(")).toBe(
      "import { x } from 'y';\nit(",
    );
    const clean = "import { it } from 'vitest';\nit('a', () => {});\n";
    expect(removeUnusedImports('a.test.ts', clean)).toBe(clean);
  });
});
