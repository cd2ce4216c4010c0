import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { splitCommand } from '../../editors/vscode/src/command.mts';
import { readZip } from '../helpers/zip.ts';

// A folder named this way is one the module graph links the test to: a change there selects it.
const EXTENSION = fileURLToPath(new URL('../../editors/vscode/', import.meta.url));
const VSCE = fileURLToPath(new URL('../../node_modules/.bin/vsce', import.meta.url));

describe('the VS Code extension, built and packaged with vsce', () => {
  let dir: string;
  let entries: Map<string, Buffer>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'testloop-vscode-'));
    const copy = join(dir, 'vscode');
    // The extension as a clone holds it: no bundle, no package from an earlier build.
    cpSync(EXTENSION, copy, {
      recursive: true,
      filter: (path) => !/[\\/](?:dist|node_modules)$/.test(path) && !path.endsWith('.vsix'),
    });
    execFileSync(process.execPath, [join(EXTENSION, 'build.mjs'), join(copy, 'dist/extension.js')]);
    const vsix = join(dir, 'testloop.vsix');
    execFileSync(VSCE, ['package', '--no-dependencies', '--out', vsix], {
      cwd: copy,
      stdio: 'pipe',
    });
    entries = readZip(vsix);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the .vsix holds the manifest, the bundle, the README and the license, and no source', () => {
    const names = [...entries.keys()].filter((name) => name.startsWith('extension/')).sort();
    expect(names).toEqual([
      'extension/LICENSE.txt',
      'extension/dist/extension.js',
      'extension/package.json',
      'extension/readme.md',
    ]);
    const manifest = JSON.parse(entries.get('extension/package.json')!.toString('utf8'));
    expect(manifest).toMatchObject({
      publisher: 'testloop',
      main: './dist/extension.js',
      activationEvents: expect.arrayContaining(['onLanguage:javascript', 'onLanguage:typescript']),
      contributes: { configuration: { properties: { 'testloop.path': { default: 'npx testloop' } } } },
    });
  });

  test('the bundle requires only vscode and Node built-ins: the language client is inside it', () => {
    const bundle = entries.get('extension/dist/extension.js')!.toString('utf8');
    const required = new Set([...bundle.matchAll(/\brequire\(([^)]*)\)/g)].map((m) => m[1]!));
    const builtins = new Set(builtinModules.flatMap((name) => [`"${name}"`, `"node:${name}"`]));
    expect([...required].filter((id) => !builtins.has(id))).toEqual(['"vscode"']);
    // The client's own code is bundled: the class that spawns the server is in the file.
    expect(bundle).toContain('Launching server using command');
    expect(bundle).toContain('"lsp","--stdio"');
  });
});

describe('the testloop.path setting', () => {
  test('words split on spaces; quotes keep a path with spaces whole', () => {
    expect(splitCommand('npx testloop')).toEqual(['npx', 'testloop']);
    expect(splitCommand('  "/Users/me/my tools/testloop"  --verbose ')).toEqual([
      '/Users/me/my tools/testloop',
      '--verbose',
    ]);
    expect(splitCommand("node '' x")).toEqual(['node', '', 'x']);
    expect(splitCommand('   ')).toEqual([]);
  });
});
