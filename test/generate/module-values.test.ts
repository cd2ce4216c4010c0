import { afterAll, describe, expect, it } from 'vitest';
import { userPrompt } from '../../src/generate/engines/llm/prompt.ts';
import type { TestContext } from '../../src/generate/types.ts';
import { contextIn } from './app-context.ts';
import { type App, copyApp } from './apps.ts';

// values-vitest/src/format.ts: lookup tables, a regex, default options, an enum and an `as const` object
// at module level, read by some targets and not others.

const apps: App[] = [];
afterAll(() => {
  for (const app of apps) app.remove();
});

async function contextOf(symbol: string): Promise<TestContext> {
  const app = copyApp('values-vitest');
  apps.push(app);
  return contextIn(app, 'src/format.ts', symbol);
}

describe('context: the module-level values a target reads', () => {
  it('shows the constants, `let` state and default options the target reads, and no others', async () => {
    const context = await contextOf('formatBytes');
    expect(context.values).toEqual([
      { names: ['UNITS'], source: "const UNITS = ['B', 'KB', 'MB', 'GB'] as const;" },
      { names: ['STEP'], source: 'const STEP = 1024;' },
      { names: ['calls'], source: 'let calls = 0;' },
      { names: ['DEFAULTS'], source: "export const DEFAULTS = { precision: 1, separator: ' ' };" },
    ]);
    expect(userPrompt(context)).toContain(
      [
        'Module-level values of src/format.ts it reads (data):',
        '',
        '```ts',
        "const UNITS = ['B', 'KB', 'MB', 'GB'] as const;",
        '',
        'const STEP = 1024;',
        '',
        'let calls = 0;',
        '',
        "export const DEFAULTS = { precision: 1, separator: ' ' };",
        '```',
      ].join('\n'),
    );
  });

  it("follows its same-file callees and the values a table is built from (a regex, an enum, `FACTORS`' inputs)", async () => {
    const context = await contextOf('parseBytes');
    expect(context.values?.map((value) => value.names)).toEqual([
      ['UNITS'],
      ['STEP'],
      ['PATTERN'],
      ['FACTORS'],
      ['Rounding'],
    ]);
    expect(context.values?.[4]?.source).toBe(
      ['enum Rounding {', "  Down = 'down',", "  Nearest = 'nearest',", '}'].join('\n'),
    );
  });

  it('elides a long table without hiding its keys, showing its first entry whole', async () => {
    const context = await contextOf('describeStatus');
    const keys = [
      'created',
      'accepted',
      'moved',
      'redirect',
      'unchanged',
      'bad',
      'denied',
      'missing',
      'conflict',
    ];
    expect(context.values).toEqual([
      {
        names: ['STATUS'],
        source: [
          'const STATUS = {',
          '  ok: {',
          '    code: 200,',
          '    retry: false,',
          '  },',
          ...keys.flatMap((key) => [`  ${key}: {`, '// … 3 line(s) not shown']),
          '} as const;',
        ].join('\n'),
      },
    ]);
  });

  it('names a table too long for the prompt instead of leaving it out silently', async () => {
    const context = await contextOf('describeCode');
    expect(context.values).toEqual([
      { names: ['calls'], source: 'let calls = 0;' },
      { names: ['CODES'], source: '// … not shown (too long for this prompt): CODES' },
    ]);
  });
});
