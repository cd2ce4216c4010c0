// `testloop triage --fix <testId>`: reproduce, ask the model, prove; print one block (or JSON entry) per
// test, write the patch where asked.

import { resolve } from 'node:path';
import type { TriageOptionsInput } from '../config/triage-options.ts';
import { EXIT, TestloopError } from '../errors.ts';
import type { TriageFormat } from '../report/triage.ts';
import { renderFixesText } from '../report/triage-fix.ts';
import type { FixReport } from '../triage/fix/types.ts';
import type { Cause } from '../triage/types.ts';
import { writeFileAtomic } from '../util/fs.ts';
import type { CliIO } from './io.ts';
import { NO_MODEL } from './triage-model.ts';

export interface TriageFixContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  io: CliIO;
  formats: { kind: TriageFormat; path?: string }[];
}

export async function triageFixCommand(
  options: TriageOptionsInput,
  context: TriageFixContext,
): Promise<number> {
  const { cwd, env, io, formats } = context;
  const markdown = formats.find((f) => f.kind === 'markdown');
  if (markdown)
    throw new TestloopError('TESTLOOP_USAGE', '--fix prints text or json: drop --format markdown');
  // The ids as the flag lists them (comma lists split where a test id follows); the patch is the CLI's to write.
  const { patch, ...fixOptions } = options;
  const ids = splitIds(options.fix ?? []);
  const { fixTests } = await import('../triage/fix/fix.ts');
  const report = await fixTests({
    cwd,
    env,
    ...fixOptions,
    fix: ids,
    causes: await historyCauses(options, cwd, env, ids),
    noModelReason: `no model configured (${NO_MODEL})`,
    log: (line) => io.stderr(`${line}\n`),
  });
  await writePatch(patch, report, cwd, io);
  for (const { kind, path } of formats) {
    const text = kind === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderFixesText(report);
    if (path === undefined) io.stdout(text);
    else await writeFileAtomic(resolve(cwd, path), text);
  }
  return EXIT.ok;
}

/**
 * Ids from repeated flags and comma lists: a comma starts a new id only where a test id follows it
 * (`a.test.ts › x, b.test.ts › y`), so a test name with a comma stays whole.
 */
function splitIds(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(/,(?=[^,]*›)/))
    .map((id) => id.trim())
    .filter(Boolean);
}

/** The causes triage's rules found for these tests in the history: they decide which stress comes first. */
async function historyCauses(
  options: TriageOptionsInput,
  cwd: string,
  env: NodeJS.ProcessEnv,
  ids: readonly string[],
): Promise<Map<string, Cause[]>> {
  const { triage } = await import('../triage/triage.ts');
  const { history, runs, branch } = options;
  const result = await triage({ cwd, env, codeowners: false, history, runs, branch });
  const wanted = new Set(ids);
  return new Map(result.findings.filter((f) => wanted.has(f.testId)).map((f) => [f.testId, f.causes]));
}

async function writePatch(
  path: string | undefined,
  report: FixReport,
  cwd: string,
  io: CliIO,
): Promise<void> {
  if (path === undefined) return;
  const patches = report.fixes.flatMap((f) => (f.patch === null ? [] : [f.patch]));
  if (patches.length === 0) {
    io.stderr(`testloop: no fix was accepted: ${path} is not written\n`);
    return;
  }
  await writeFileAtomic(resolve(cwd, path), patches.join(''));
  io.stderr(`testloop: ${path}: ${patches.length} accepted fix(es); apply with git apply ${path}\n`);
}
