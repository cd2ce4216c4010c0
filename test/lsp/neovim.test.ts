import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { changedShop } from './shop.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/lsp', import.meta.url));
const CLIENT = fileURLToPath(new URL('./neovim-client.lua', import.meta.url));

const tmp = usePrivateTmpDir('testloop-nvim-');
let app: App;

beforeAll(() => {
  app = changedShop(copyFixtureApp(FIXTURES, 'shop'));
});
afterAll(() => app?.remove());

interface NvimResult {
  error?: string;
  waited: boolean;
  diagnostics: { lnum: number; end_lnum: number; severity: number; source: string; message: string }[];
  lenses: { line: number; title: string }[];
  action: string;
  edit: { documentChanges: { kind?: string; uri?: string; edits?: { newText: string }[] }[] };
}

describe('testloop lsp in Neovim 0.7 (headless, vim.lsp.start_client)', () => {
  it('gets the diagnostics, the lenses and the generate action of the built server', () => {
    const out = join(tmp, 'nvim-result.json');
    const run = spawnSync('nvim', ['--headless', '-n', '-i', 'NONE', '-u', CLIENT], {
      cwd: app.dir,
      encoding: 'utf8',
      // The whole session is time-limited: a server that never answers fails here, not by hanging.
      timeout: 90_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: tmp,
        XDG_CONFIG_HOME: join(tmp, 'config'),
        XDG_DATA_HOME: join(tmp, 'data'),
        XDG_STATE_HOME: join(tmp, 'state'),
        XDG_CACHE_HOME: join(tmp, 'cache'),
        TESTLOOP_NVIM_OUT: out,
        TESTLOOP_NODE: process.execPath,
        TESTLOOP_BIN: BIN,
      },
    });
    expect(run.error, `nvim did not run: ${run.error?.message}`).toBeUndefined();
    const result = JSON.parse(readFileSync(out, 'utf8')) as NvimResult;
    expect(result.error).toBeUndefined();
    expect(result.waited).toBe(true);
    expect(result.diagnostics).toEqual([
      {
        lnum: 5,
        end_lnum: 5,
        severity: 4,
        source: 'testloop',
        message: 'Not covered: branch on line 6 (1 of 2 branches never taken)',
      },
      {
        lnum: 8,
        end_lnum: 8,
        severity: 4,
        source: 'testloop',
        message: 'Not covered: function discount (changed function never called)',
      },
      {
        lnum: 8,
        end_lnum: 10,
        severity: 4,
        source: 'testloop',
        message: 'Not covered: lines 9-11 (changed lines not run by any test)',
      },
    ]);
    expect(result.lenses).toEqual([
      { line: 2, title: 'covered' },
      { line: 2, title: 'affects 2 tests' },
      { line: 8, title: 'not covered' },
      { line: 8, title: 'affects 2 tests' },
    ]);
    expect(result.action).toBe('Generate a test for discount');
    const [create, insert] = result.edit.documentChanges;
    expect(create).toMatchObject({
      kind: 'create',
      uri: `file://${app.dir}/src/cart.discount.generated.test.ts`,
    });
    expect(insert?.edits?.[0]?.newText).toContain("from './cart.ts'");
  }, 120_000);
});
