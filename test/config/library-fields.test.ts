import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { CiOptionsInput } from '../../src/config/ci-options.ts';
import { CI_OPTIONS } from '../../src/config/ci-options.ts';
import { GAPS_OPTIONS, type GapsOptions } from '../../src/config/gaps-options.ts';
import { GENERATE_OPTIONS, type GenerateOptionsInput } from '../../src/config/generate-options.ts';
import { LSP_OPTIONS, type LspOptionsInput } from '../../src/config/lsp-options.ts';
import { MCP_OPTIONS, type McpOptionsInput } from '../../src/config/mcp-options.ts';
import type { OptionTable } from '../../src/config/option-table.ts';
import { SELECT_OPTIONS, type SelectOptionsInput } from '../../src/config/select-options.ts';
import {
  INGEST_OPTIONS,
  type IngestOptionsInput,
  TRIAGE_OPTIONS,
  type TriageOptionsInput,
} from '../../src/config/triage-options.ts';
import { withOlderFields } from '../../src/generate/option-names.ts';
import { openSqliteStore } from '../../src/history/sqlite.ts';
import {
  type CiOptions,
  type FindGapsOptions,
  type FixOptions,
  findGaps,
  type GenerateOptions,
  type IngestReportsOptions,
  ingestReports,
  type SelectOptions,
  type TriageOptions,
} from '../../src/index.ts';
import type { LspSettings } from '../../src/lsp/settings.ts';
import type { ToolContext } from '../../src/mcp/tool.ts';

/**
 * The options only the CLI acts on, by command: where reports go, what is printed, the exit status, the
 * transport. Every other option is a library field of the same name.
 */
const CLI_OWNED = {
  gaps: ['format'],
  select: ['format', 'run'],
  generate: ['format', 'strict'],
  ci: ['format', 'comment'],
  ingest: ['json'],
  triage: ['format', 'quarantine', 'notify', 'failOn', 'patch'],
  lsp: ['stdio'],
  mcp: [],
} as const;

type Owned<C extends keyof typeof CLI_OWNED> = (typeof CLI_OWNED)[C][number];

/** The option keys `Library` has no field for, or whose validated values it would not take. */
type Refused<Options, Library> = {
  [K in keyof Options]-?: K extends keyof Library ? (Options[K] extends Library[K] ? never : K) : K;
}[keyof Options];

describe('every option is a library field of the same name', () => {
  it('type-checks each command against its library entry', () => {
    expectTypeOf<Refused<Omit<GapsOptions, Owned<'gaps'>>, FindGapsOptions>>().toEqualTypeOf<never>();
    expectTypeOf<Refused<Omit<SelectOptionsInput, Owned<'select'>>, SelectOptions>>().toEqualTypeOf<never>();
    expectTypeOf<
      Refused<Omit<GenerateOptionsInput, Owned<'generate'>>, GenerateOptions>
    >().toEqualTypeOf<never>();
    expectTypeOf<Refused<Omit<CiOptionsInput, Owned<'ci'>>, CiOptions>>().toEqualTypeOf<never>();
    expectTypeOf<
      Refused<Omit<IngestOptionsInput, Owned<'ingest'>>, IngestReportsOptions>
    >().toEqualTypeOf<never>();
    // triage's options go to triage, and with --fix to fixTests.
    expectTypeOf<
      Refused<Omit<TriageOptionsInput, Owned<'triage'>>, TriageOptions & FixOptions>
    >().toEqualTypeOf<never>();
    expectTypeOf<Refused<Omit<LspOptionsInput, Owned<'lsp'>>, LspSettings>>().toEqualTypeOf<never>();
    expectTypeOf<Refused<McpOptionsInput, ToolContext>>().toEqualTypeOf<never>();
  });

  it('names only options the commands have as the CLI-owned ones', () => {
    const tables: Record<keyof typeof CLI_OWNED, OptionTable> = {
      gaps: GAPS_OPTIONS,
      select: SELECT_OPTIONS,
      generate: GENERATE_OPTIONS,
      ci: CI_OPTIONS,
      ingest: INGEST_OPTIONS,
      triage: TRIAGE_OPTIONS,
      lsp: LSP_OPTIONS,
      mcp: MCP_OPTIONS,
    };
    for (const [command, owned] of Object.entries(CLI_OWNED))
      for (const key of owned)
        expect(tables[command as keyof typeof CLI_OWNED], `${command} ${key}`).toHaveProperty(key);
  });
});

describe('a library field named as its option', () => {
  const dir = mkdtempSync(join(tmpdir(), 'testloop-library-fields-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('findGaps takes maxDiffMb as --max-diff-mb does, and maxDiffBytes still wins', async () => {
    const diff = join(dir, 'big.diff');
    writeFileSync(diff, `--- a/a.ts\n+++ b/a.ts\n@@ -1 +1 @@\n-a\n+${'b'.repeat(2048)}\n`);
    const limit = 1 / 1024; // 1 KiB
    await expect(findGaps({ cwd: dir, diffFile: diff, maxDiffMb: limit })).rejects.toMatchObject({
      code: 'TESTLOOP_DIFF_TOO_LARGE',
    });
    await expect(
      findGaps({ cwd: dir, diffFile: diff, maxDiffMb: limit, maxDiffBytes: 1024 * 1024 }),
    ).rejects.not.toMatchObject({ code: 'TESTLOOP_DIFF_TOO_LARGE' });
  });

  it('generateTests reads target, budget and the endpoint options into the fields the pipeline uses', () => {
    expect(
      withOlderFields({
        target: ['src/a.ts:f'],
        budget: '1m30s',
        baseUrl: 'http://127.0.0.1:9/v1',
        model: 'm',
        api: 'responses',
        llmTimeout: '2s',
      }),
    ).toEqual({
      targets: ['src/a.ts:f'],
      budgetMs: 90_000,
      llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'm', api: 'responses', requestTimeoutMs: 2000 },
    });
    // The older spellings still work, and win where both are set.
    expect(
      withOlderFields({
        target: ['a:f'],
        targets: ['b:g'],
        budget: '1m',
        budgetMs: 5,
        model: 'x',
        llm: { model: 'y' },
      }),
    ).toEqual({ targets: ['b:g'], budgetMs: 5, llm: { model: 'y' } });
  });

  it('ingestReports takes the run fields at the top level, environment as key=value', async () => {
    const report = join(dir, 'junit.xml');
    writeFileSync(
      report,
      '<testsuite name="s" tests="1"><testcase classname="a.test.ts" name="adds" time="0.1"/></testsuite>',
    );
    const fields = { commit: 'abc123', branch: 'main', runId: '42', attempt: 2, job: 'test' };
    const store = await openSqliteStore(':memory:');
    try {
      const { run } = await ingestReports({
        cwd: dir,
        env: {},
        reports: [report],
        store,
        ...fields,
        environment: ['os=linux', 'image=a=b'],
      });
      expect(run).toMatchObject({ ...fields, environment: { os: 'linux', image: 'a=b' } });
    } finally {
      await store.close();
    }
  });
});
