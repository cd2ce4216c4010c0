import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeImports } from '../../src/triage/fix/imports.ts';
import { checkChanges, readFixReply } from '../../src/triage/fix/reply.ts';

const TEST = 'tests/cart.test.ts';
const CODE = "import { it } from 'vitest';\nit('adds', () => {});\n";

describe('the reply of triage --fix', () => {
  const rules = (allowSource: boolean) => ({
    testFile: TEST,
    testFiles: [TEST, 'tests/other.test.ts'],
    allowSource,
    current: (path: string) => (path === TEST ? 'old' : path === 'src/cart.ts' ? 'old source' : undefined),
  });

  it('reads JSON {code}, one fenced block, and JSON {files}', () => {
    expect(readFixReply(JSON.stringify({ code: CODE }), TEST)).toEqual({
      ok: true,
      value: [{ path: TEST, code: CODE }],
    });
    // A fenced block's body stops before its closing line; checkChanges gives the file its last newline.
    const fenced = readFixReply(`Here it is:\n\`\`\`ts\n${CODE}\`\`\`\n`, TEST);
    expect(fenced).toEqual({ ok: true, value: [{ path: TEST, code: CODE.trimEnd() }] });
    expect(checkChanges(fenced.ok ? fenced.value : [], rules(false))).toEqual({
      ok: true,
      value: [{ path: TEST, code: CODE }],
    });
    const files = [
      { path: TEST, code: CODE },
      { path: 'src/cart.ts', code: 'export const x = 1;\n' },
    ];
    expect(readFixReply(JSON.stringify({ files }), TEST)).toEqual({ ok: true, value: files });
    expect(readFixReply('no code here', TEST).ok).toBe(false);
  });

  it('keeps a fix to the test files without --allow-source, and inside the repository always', () => {
    const source = [{ path: 'src/cart.ts', code: 'new\n' }];
    expect(checkChanges(source, rules(false))).toEqual({
      ok: false,
      detail: 'src/cart.ts is not a test file: a fix may change source files only with --allow-source',
    });
    expect(checkChanges(source, rules(true))).toEqual({ ok: true, value: source });
    for (const path of ['../outside.test.ts', '/etc/passwd', 'tests/../../x.ts', 'C:/x.ts'])
      expect(checkChanges([{ path, code: CODE }], rules(true))).toEqual({
        ok: false,
        detail: `${path} is outside the repository`,
      });
    expect(checkChanges([{ path: '.git/config', code: 'x' }], rules(true)).ok).toBe(false);
    expect(checkChanges([{ path: 'node_modules/vitest/index.js', code: 'x' }], rules(true)).ok).toBe(false);
    expect(checkChanges([{ path: `./${TEST}`, code: CODE }], rules(false))).toEqual({
      ok: true,
      value: [{ path: TEST, code: CODE }],
    });
    expect(checkChanges([{ path: TEST, code: 'old' }], rules(false))).toEqual({
      ok: false,
      detail: `${TEST}: it declares no test (no describe, it or test call)`,
    });
    expect(
      checkChanges([{ path: 'tests/other.test.ts', code: 'same\n' }], {
        ...rules(false),
        current: () => 'same\n',
      }),
    ).toEqual({ ok: false, detail: 'the reply changes nothing' });
    expect(checkChanges([{ path: TEST, code: 'it(' }], rules(false)).ok).toBe(false);
  });
});

describe('the modules a test imports', () => {
  const root = mkdtempSync(join(tmpdir(), 'testloop-fix-imports-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('resolves relative imports to repository files, TypeScript spelling included', () => {
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'tests'));
    writeFileSync(join(root, 'src/cart.ts'), 'export const cart = 1;\n');
    writeFileSync(join(root, 'src/util.js'), 'export const util = 1;\n');
    writeFileSync(
      join(root, TEST),
      "import { cart } from '../src/cart.js';\nimport { util } from '../src/util';\nimport { it } from 'vitest';\nimport x from '../../elsewhere.js';\n",
    );
    expect(relativeImports(root, TEST)).toEqual(['src/cart.ts', 'src/util.js']);
  });
});
