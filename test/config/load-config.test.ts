import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GAPS_OPTIONS } from '../../src/config/gaps-options.ts';
import { GENERATE_OPTIONS } from '../../src/config/generate-options.ts';
import { envName, findConfig, flagName, resolveOptions } from '../../src/config/load-config.ts';
import type { OptionTable } from '../../src/config/option-table.ts';
import { schemaOf } from '../../src/config/schema-of.ts';
import { TRIAGE_OPTIONS } from '../../src/config/triage-options.ts';

/** A table with the schema built from it, as resolveOptions takes them. */
const declared = <T extends OptionTable>(table: T) => [table, schemaOf(table)] as const;
const gaps = declared(GAPS_OPTIONS);
const triage = declared(TRIAGE_OPTIONS);
const generate = declared(GENERATE_OPTIONS);

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'testloop-config-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe('config', () => {
  it('derives flag and variable names from the option keys', () => {
    expect(flagName('failUnder')).toBe('fail-under');
    expect(envName('failUnder')).toBe('TESTLOOP_FAIL_UNDER');
    expect(envName('srcRoots')).toBe('TESTLOOP_SRC_ROOTS');
  });

  it('layers file < command section < environment < flags', async () => {
    const dir = folder({
      'testloop.config.json': JSON.stringify({
        failUnder: 10,
        exclude: ['dist/**'],
        gaps: { failUnder: 20, base: 'develop' },
      }),
    });
    const config = await findConfig(dir);
    expect(config.file).toBe('testloop.config.json');
    expect(resolveOptions(...gaps, 'gaps', config, {}, {})).toEqual({
      failUnder: 20,
      base: 'develop',
      exclude: ['dist/**'],
    });
    const env = { TESTLOOP_FAIL_UNDER: '30', TESTLOOP_EXCLUDE: 'a/**, b/**', TESTLOOP_ALLOW_EMPTY: 'false' };
    expect(resolveOptions(...gaps, 'gaps', config, env, { base: 'main' })).toEqual({
      failUnder: 30,
      base: 'main',
      exclude: ['a/**', 'b/**'],
      allowEmpty: false,
    });
  });

  it('reads package.json#testloop and an ESM config that exports a function', async () => {
    const pkg = folder({
      'package.json': JSON.stringify({ name: 'x', testloop: { gaps: { failUnder: 75 } } }),
    });
    expect(resolveOptions(...gaps, 'gaps', await findConfig(pkg), {}, {}).failUnder).toBe(75);
    const esm = folder({ 'testloop.config.mjs': 'export default () => ({ coverage: ["c/lcov.info"] });' });
    expect(resolveOptions(...gaps, 'gaps', await findConfig(esm), {}, {}).coverage).toEqual(['c/lcov.info']);
  });

  it('reports a bad value, an unknown key and a broken file in one line with the location', async () => {
    const bad = folder({ 'testloop.config.json': JSON.stringify({ gaps: { failUnder: 150 } }) });
    expect(() =>
      resolveOptions(
        ...gaps,
        'gaps',
        { file: 'testloop.config.json', values: { gaps: { failUnder: 150 } } },
        {},
        {},
      ),
    ).toThrow(/^testloop\.config\.json: .*\(location: failUnder\)/);
    await expect(findConfig(bad)).resolves.toMatchObject({ file: 'testloop.config.json' });
    expect(() =>
      resolveOptions(...gaps, 'gaps', { file: 'f.json', values: { gaps: { failUnderr: 1 } } }, {}, {}),
    ).toThrow(/location: gaps\.failUnderr\).*$/);
    expect(() =>
      resolveOptions(...gaps, 'gaps', { values: {} }, { TESTLOOP_FAIL_UNDER: 'lots' }, {}),
    ).toThrow(/^TESTLOOP_FAIL_UNDER: .*\(location: failUnder\)/);
    const broken = folder({ 'testloop.config.json': '{ "gaps": ' });
    await expect(findConfig(broken)).rejects.toMatchObject({
      code: 'TESTLOOP_CONFIG',
      message: expect.stringMatching(/^testloop\.config\.json: cannot load/),
    });
  });
});

describe('options one command shares by name with another', () => {
  it("takes triage's write and patch only from the flags and the triage section, never from generate's settings", () => {
    const config = { file: 'testloop.config.json', values: { write: true, patch: 'tests.diff' } };
    const env = { TESTLOOP_WRITE: '1', TESTLOOP_PATCH: 'generated.diff' };
    const shared = resolveOptions(...triage, 'triage', config, env, {});
    expect(shared.write).toBeUndefined();
    expect(shared.patch).toBeUndefined();
    // generate still reads both from the same places.
    expect(resolveOptions(...generate, 'generate', config, env, {})).toMatchObject({
      write: true,
      patch: 'generated.diff',
    });
    const own = { ...config, values: { ...config.values, triage: { write: true } } };
    expect(resolveOptions(...triage, 'triage', own, env, { patch: 'fix.diff' })).toMatchObject({
      write: true,
      patch: 'fix.diff',
    });
  });
});
