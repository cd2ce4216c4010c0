import { describeEndpoint } from '../generate/breaker.ts';
import type { GenerateResult, Stage } from '../generate/types.ts';
import { formatRanges } from './text.ts';

export type GenerateFormat = 'text' | 'json' | 'markdown';
export const GENERATE_FORMATS: readonly GenerateFormat[] = ['text', 'json', 'markdown'];

export interface GenerateReportContext {
  color: boolean;
  engine?: string;
  model?: string;
}

const STAGE_LABEL: Record<Stage, string> = {
  generated: 'generated',
  compiled: 'compiled',
  passed: 'passed',
  stable: 'stable',
  addedCoverage: 'added coverage',
  killsMutants: 'kills mutants',
};
const STAGES = Object.keys(STAGE_LABEL) as Stage[];

/** Where a discarded target's last candidate ended. */
function stoppedAt(stage: Stage | 'sandbox' | 'runner'): string {
  if (stage === 'runner') return 'discarded: the test runner cannot start';
  return stage === 'sandbox' ? 'discarded by the sandbox' : `stopped at ${STAGE_LABEL[stage]}`;
}

/** The protections candidates ran under, and what did not hold (see src/sandbox/). */
function sandboxLine(result: GenerateResult): string | undefined {
  const box = result.stats.sandbox;
  if (box === undefined) return undefined;
  const why = box.reason === undefined ? '' : ` (no namespaces: ${box.reason})`;
  return `copy ${box.copy}, network ${box.network}, credentials ${box.credentials}, filesystem ${box.filesystem}, processes ${box.processes}${why}`;
}

export function renderGenerate(
  result: GenerateResult,
  format: GenerateFormat,
  context: GenerateReportContext,
): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (format === 'markdown') return markdown(result, context);
  return text(result, context);
}

/** `, kills 3 of 5 mutants` (and why its assertions were not checked, when they were not). */
function mutantsNote(accepted: GenerateResult['accepted'][number]): string {
  const m = accepted.mutants;
  if (m === undefined) return '';
  if (m.unchecked !== undefined) return `, assertions unchecked: ${m.unchecked}`;
  return `, kills ${m.killed} of ${m.total} mutant(s)`;
}

function newlyCovered(result: GenerateResult): number {
  return result.accepted.reduce((n, a) => n + a.newlyCoveredLines.length, 0);
}

function funnelLine(result: GenerateResult, arrow: string): string {
  return STAGES.filter((stage) => result.funnel[stage] !== undefined)
    .map((stage) => `${STAGE_LABEL[stage]} ${result.funnel[stage]}`)
    .join(arrow);
}

function usageLine(result: GenerateResult): string {
  const { requests, promptTokens, completionTokens } = result.usage;
  const per =
    result.stats.promptTokensPerAccepted === undefined
      ? ''
      : `, ${result.stats.promptTokensPerAccepted} prompt tokens per accepted test`;
  return `${requests} request(s), ${promptTokens} prompt + ${completionTokens} completion tokens${per}`;
}

/** What the patch holds: the accepted tests and the skeletons, each a new file. */
function patchContents(result: GenerateResult): string {
  const files = result.accepted.length + result.stubs.length;
  const skeletons = result.stubs.length > 0 ? `, ${result.stubs.length} of them test skeleton(s)` : '';
  return `${files} new file(s)${skeletons}`;
}

function timeLine(result: GenerateResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const { ms, llmMs, runnerMs, overheadMs, repairs } = result.stats;
  return `${s(ms)} total: model ${s(llmMs)}, test runner ${s(runnerMs)}, testloop ${s(overheadMs)}; ${repairs} repair(s)`;
}

function text(result: GenerateResult, context: GenerateReportContext): string {
  const paint = (code: number, value: string) => (context.color ? `\u001b[${code}m${value}\u001b[0m` : value);
  const out: string[] = [];
  const engine = context.engine
    ? ` (engine ${context.engine}${context.model ? `, model ${context.model}` : ''})`
    : '';
  out.push(`${result.stats.targets} target(s)${engine}`);
  for (const a of result.accepted) {
    out.push(
      `${paint(32, '✓')} ${a.target} → ${a.testFile} (covers ${formatRanges(a.newlyCoveredLines)}${mutantsNote(a)})`,
    );
  }
  for (const d of result.discarded) {
    out.push(`${paint(31, '✗')} ${d.target}: ${stoppedAt(d.stage)}: ${d.reason}`);
  }
  for (const s of result.stubs) {
    out.push(`${paint(33, '…')} ${s.target} → ${s.testFile} (stub: ${s.todos} todo(s), not a test yet)`);
  }
  for (const s of result.skipped ?? []) out.push(`${paint(2, '-')} ${s.target}: skipped: ${s.reason}`);
  if (result.stubs.length === 0 || result.stats.candidates) out.push(`Funnel: ${funnelLine(result, ' → ')}`);
  out.push(
    `Newly covered: ${newlyCovered(result)} of ${result.stats.uncoveredLines ?? '?'} uncovered line(s)`,
  );
  if (result.usage.requests > 0) out.push(`Model: ${usageLine(result)}`);
  out.push(`Time: ${timeLine(result)}`);
  const sandbox = sandboxLine(result);
  if (sandbox !== undefined) out.push(`Sandbox: ${sandbox}`);
  if (result.written?.length) out.push(`Written: ${result.written.join(', ')}`);
  if (result.patch !== undefined) out.push(`Patch: ${result.patch} (${patchContents(result)})`);
  if (
    !result.written &&
    result.patch === undefined &&
    (result.accepted.length > 0 || result.stubs.length > 0)
  )
    out.push(paint(2, 'Nothing written: pass --write or --patch <file> to keep the tests'));
  for (const warning of result.warnings ?? []) out.push(paint(33, `warning: ${warning}`));
  if (result.llmError)
    out.push(
      paint(
        31,
        `model endpoint failed (${describeEndpoint(result.llmError.endpoint)}): ${result.llmError.message}`,
      ),
    );
  return `${out.join('\n')}\n`;
}

function markdown(result: GenerateResult, context: GenerateReportContext): string {
  const out: string[] = ['## testloop generate', ''];
  const engine = context.engine
    ? ` with the ${context.engine} engine${context.model ? ` (\`${context.model}\`)` : ''}`
    : '';
  out.push(
    `${result.accepted.length} test(s) accepted for ${result.stats.targets} target(s)${engine}; ${newlyCovered(result)} of ${result.stats.uncoveredLines ?? '?'} uncovered line(s) newly covered.`,
    '',
  );
  if (result.accepted.length + result.discarded.length + result.stubs.length > 0) {
    out.push('| Target | Result | Test file |', '| --- | --- | --- |');
    const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    for (const a of result.accepted)
      out.push(
        `| \`${cell(a.target)}\` | ✅ covers ${formatRanges(a.newlyCoveredLines)}${cell(mutantsNote(a))} | \`${cell(a.testFile)}\` |`,
      );
    for (const d of result.discarded)
      out.push(`| \`${cell(d.target)}\` | ❌ ${stoppedAt(d.stage)}: ${cell(d.reason)} | |`);
    for (const s of result.stubs)
      out.push(`| \`${cell(s.target)}\` | 📝 stub, ${s.todos} todo(s) | \`${cell(s.testFile)}\` |`);
    out.push('');
  }
  out.push(`**Funnel:** ${funnelLine(result, ' → ')}`, '');
  if (result.usage.requests > 0) out.push(`**Model:** ${usageLine(result)}`, '');
  out.push(`**Time:** ${timeLine(result)}`, '');
  const sandbox = sandboxLine(result);
  if (sandbox !== undefined) out.push(`**Sandbox:** ${sandbox}`, '');
  for (const warning of result.warnings ?? []) out.push(`> ⚠️ ${warning}`, '');
  if (result.llmError)
    out.push(
      `> ❗ model endpoint failed (${describeEndpoint(result.llmError.endpoint)}): ${result.llmError.message}`,
      '',
    );
  return `${out.join('\n').trimEnd()}\n`;
}
