import * as z from 'zod';
import { omitOptions } from '../../config/option-table.ts';
import { schemaOf } from '../../config/schema-of.ts';
import { TRIAGE_OPTIONS } from '../../config/triage-options.ts';
import type { Finding, TriageResult } from '../../triage/types.ts';
import { argvOf, callCli } from '../cli-call.ts';
import type { ToolContext, ToolDefinition } from '../tool.ts';

const LISTED = 10;

/**
 * The triage options a read-only answer takes: no output files, no webhook, no exit status, and not --fix
 * (which answers with fixes, not findings, and may write to the working tree).
 */
const TRIAGE_INPUT = omitOptions(TRIAGE_OPTIONS, [
  'format',
  'quarantine',
  'notify',
  'failOn',
  'fix',
  'allowSource',
  'write',
  'patch',
  'budget',
]);

export const triageInput = () => schemaOf(TRIAGE_INPUT);

export const flakyTestsTool: ToolDefinition = {
  name: 'flaky_tests',
  title: 'Flaky and broken tests',
  description:
    'Flaky, broken and healthy tests across the CI runs recorded in the test history (testloop ingest), ranked by impact, each with its probable causes and evidence: the same JSON as `testloop triage --format json`. `rerun` reruns suspects to confirm them.',
  inputSchema: triageInput,
  async call(args, context) {
    const result = await triageOf(args, context);
    return { summary: triageSummary(result), structured: result as unknown as Record<string, unknown> };
  },
};

export async function triageOf(args: Record<string, unknown>, context: ToolContext): Promise<TriageResult> {
  const argv = ['triage', '--format=json', ...argvOf(TRIAGE_INPUT, args)];
  return JSON.parse((await callCli(argv, context)).stdout) as TriageResult;
}

export function triageSummary(result: TriageResult): string {
  const { stats } = result;
  if (stats.runs === 0)
    return 'The history has no runs yet: record some with testloop ingest <reports…> after each CI run.';
  const suspects = result.findings.filter((f) => f.verdict !== 'healthy');
  const lines = [
    `${stats.flaky ?? 0} flaky, ${stats.broken ?? 0} broken of ${stats.tests} tests over ${stats.runs} runs.`,
    ...suspects.slice(0, LISTED).map(findingLine),
  ];
  if (suspects.length > LISTED) lines.push(`…and ${suspects.length - LISTED} more`);
  return lines.join('\n');
}

export function findingLine(f: Finding): string {
  const cause = f.causes[0] ? `; probable cause: ${f.causes[0].cause} (fix: ${f.causes[0].fix})` : '';
  return `- ${f.verdict}: ${f.testId} (failed ${f.failures} of ${f.runs} runs${f.file ? `, ${f.file}` : ''})${cause}`;
}

export const testArgument = z
  .string()
  .min(1)
  .describe(
    'the test: its id (file › suite › name) as flaky_tests lists it, or a part of it that names one test',
  );
