import { short } from '../triage/detect.ts';
import type { QuarantineEntry, QuarantineFile } from '../triage/quarantine.ts';
import type { JsonPart } from '../triage/report.ts';
import type { Finding, TriageResult } from '../triage/types.ts';

export type TriageFormat = 'text' | 'json' | 'markdown';
export const TRIAGE_FORMATS: readonly TriageFormat[] = ['text', 'json', 'markdown'];

export interface TriageReportContext {
  color: boolean;
  /** Findings listed in text and markdown per verdict (healthy tests are only counted). */
  limit?: number;
  /** Healthy findings left out of result.findings (see openTriage), counted with the others. */
  quiet?: number;
}

export function renderTriage(
  result: TriageResult,
  format: TriageFormat,
  context: TriageReportContext,
): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (format === 'markdown') return markdown(result, context);
  return text(result, context);
}

function counts(result: TriageResult, quiet = 0): { flaky: number; broken: number; healthy: number } {
  const of = (v: Finding['verdict']) => result.findings.filter((f) => f.verdict === v).length;
  return { flaky: of('flaky'), broken: of('broken'), healthy: of('healthy') + quiet };
}

export function summaryLine(result: TriageResult, quiet = 0): string {
  const c = counts(result, quiet);
  const { runs, tests, outageRuns } = result.stats;
  const outages = outageRuns > 0 ? ` (${outageRuns} outage run${outageRuns === 1 ? '' : 's'} set aside)` : '';
  return `${c.flaky} flaky, ${c.broken} broken, ${c.healthy} healthy of ${tests} tests over ${runs} runs${outages}`;
}

/** Output written at once by triageJson: small enough to stay in V8's young generation (see quiet.ts). */
const JSON_CHUNK = 32 << 10;

/**
 * The json format of a result whose findings come as JSON array content in parts
 * (TriageReport.jsonBatches): the same text as renderTriage(result, 'json'), in chunks, so a triage of
 * millions of tests is never one string. Parts of bytes are passed through as they are.
 */
export async function* triageJson(
  stats: TriageResult['stats'],
  parts: AsyncIterable<JsonPart> | Iterable<JsonPart>,
): AsyncGenerator<string | Uint8Array> {
  let chunk = '{\n  "findings": [';
  let first = true;
  for await (const part of parts) {
    if (part === '') continue;
    chunk += first ? '\n' : ',\n';
    first = false;
    if (typeof part === 'string') chunk += part;
    else {
      yield chunk;
      chunk = '';
      yield* part;
    }
    if (chunk.length >= JSON_CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  chunk += first ? '],\n' : '\n  ],\n';
  yield `${chunk}  "stats": ${JSON.stringify(stats, null, 2).replaceAll('\n', '\n  ')}\n}\n`;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function impactLine(f: Finding): string {
  const pipelines = `${f.impact.failedPipelines} failed pipeline${f.impact.failedPipelines === 1 ? '' : 's'}`;
  return `failed ${f.failures} of ${f.runs} runs (${percent(f.impact.failureRate)}), flip rate ${f.flipRate}; ${pipelines}, ${f.impact.minutesLost} min lost`;
}

function text(result: TriageResult, context: TriageReportContext): string {
  const paint = (code: number, value: string) => (context.color ? `\u001b[${code}m${value}\u001b[0m` : value);
  const out = [`testloop triage: ${summaryLine(result, context.quiet)}`];
  const limit = context.limit ?? 50;
  for (const verdict of ['flaky', 'broken'] as const) {
    const list = result.findings.filter((f) => f.verdict === verdict);
    for (const f of list.slice(0, limit)) {
      const label = verdict === 'flaky' ? paint(33, 'flaky ') : paint(31, 'broken');
      out.push('', `${label} ${paint(1, f.testId)}  confidence ${f.confidence}`);
      out.push(`       ${impactLine(f)}`);
      if (verdict === 'broken' && f.since) out.push(`       since  commit ${short(f.since)}`);
      for (const line of f.evidence ?? []) out.push(`       seen   ${line}`);
      if (f.owners) out.push(`       owners ${f.owners.join(' ')}`);
      for (const file of f.attachments ?? []) out.push(`       open   ${file}`);
      for (const cause of f.causes.slice(0, 2)) {
        out.push(`       cause  ${cause.cause} ${cause.score}`);
        for (const line of cause.evidence.slice(0, 3)) out.push(paint(2, `              > ${line}`));
        out.push(`              fix: ${cause.fix}`);
      }
      if (f.cluster) out.push(`       fails together with ${f.cluster.join(', ')}`);
    }
    if (list.length > limit)
      out.push('', `… ${list.length - limit} more ${verdict} tests (use --format json)`);
  }
  const c = counts(result, context.quiet);
  if (c.healthy > 0) out.push('', paint(32, `${c.healthy} healthy: no flake seen in their runs`));
  return `${out.join('\n')}\n`;
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function markdown(result: TriageResult, context: TriageReportContext): string {
  const limit = context.limit ?? 50;
  const out = ['## testloop triage', '', summaryLine(result, context.quiet)];
  const listed = result.findings.filter((f) => f.verdict !== 'healthy').slice(0, limit * 2);
  if (listed.length > 0) {
    out.push(
      '',
      '| Verdict | Test | Failed runs | Flip rate | Confidence | Failed pipelines | Minutes lost | Probable cause | Owners |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const f of listed) {
      const cause = f.causes[0] ? `${f.causes[0].cause} (${f.causes[0].score})` : '';
      out.push(
        `| ${f.verdict} | \`${cell(f.testId)}\` | ${f.failures}/${f.runs} | ${f.flipRate} | ${f.confidence} | ${f.impact.failedPipelines} | ${f.impact.minutesLost} | ${cell(cause)} | ${cell((f.owners ?? []).join(' '))} |`,
      );
    }
    for (const f of listed) {
      out.push('', `<details><summary>${f.verdict}: <code>${escapeHtml(f.testId)}</code></summary>`, '');
      for (const line of f.evidence ?? []) out.push(`- ${line}`);
      for (const file of f.attachments ?? []) out.push(`- attached: \`${file}\``);
      if (f.cluster) out.push(`- fails together with ${f.cluster.map((id) => `\`${id}\``).join(', ')}`);
      for (const cause of f.causes) {
        out.push('', `**${cause.cause}** (${cause.score}): ${cause.fix}`);
        if (cause.evidence.length > 0) out.push('', '```', ...cause.evidence, '```');
      }
      out.push('', '</details>');
    }
  }
  return `${out.join('\n')}\n`;
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The quarantine list after this triage: flaky tests with confidence ≥ minConfidence are listed (a
 * test already listed keeps its `since`); listed tests found healthy or broken are dropped (broken
 * needs a fix, not a quarantine); listed tests this triage did not see stay.
 */
export function buildQuarantine(
  result: TriageResult,
  previous: QuarantineFile | undefined,
  options: { now: Date; minConfidence?: number },
): QuarantineFile {
  const min = options.minConfidence ?? 0.5;
  const seen = new Map(result.findings.map((f) => [f.testId, f]));
  const before = new Map((previous?.tests ?? []).map((t) => [t.testId, t]));
  const tests: QuarantineEntry[] = (previous?.tests ?? []).filter((t) => !seen.has(t.testId));
  for (const f of result.findings) {
    if (f.verdict !== 'flaky' || f.confidence < min) continue;
    const cause = f.causes[0];
    tests.push({
      testId: f.testId,
      file: f.file ?? '',
      name: f.name ?? f.testId,
      reason: `flaky: failed ${f.failures} of ${f.runs} runs (flip rate ${f.flipRate}, confidence ${f.confidence})${cause ? `; probable cause ${cause.cause}` : ''}`,
      since: before.get(f.testId)?.since ?? options.now.toISOString().slice(0, 10),
    });
  }
  tests.sort((a, b) => (a.testId < b.testId ? -1 : a.testId > b.testId ? 1 : 0));
  return { version: 1, tests };
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

/** A Slack incoming-webhook payload (also read by Mattermost and Rocket.Chat): summary plus the top findings. */
export function slackMessage(
  result: TriageResult,
  options: { title?: string; limit?: number; quiet?: number } = {},
): SlackMessage {
  const title = options.title ?? 'testloop triage';
  const summary = summaryLine(result, options.quiet);
  const listed = result.findings.filter((f) => f.verdict !== 'healthy');
  const limit = options.limit ?? 10;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: slackEscape(summary) } },
  ];
  for (const f of listed.slice(0, limit)) {
    const cause = f.causes[0];
    const lines = [
      `*${f.verdict}* \`${slackEscape(f.testId)}\` (confidence ${f.confidence})`,
      slackEscape(impactLine(f)),
    ];
    if (cause) {
      lines.push(`probable cause: *${cause.cause}* (${cause.score}): ${slackEscape(cause.fix)}`);
      if (cause.evidence[0]) lines.push(`> ${slackEscape(cause.evidence[0])}`);
    }
    if (f.owners) lines.push(`owners: ${slackEscape(f.owners.join(' '))}`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 2900) } });
  }
  if (listed.length > limit) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${listed.length - limit} more in the full report` }],
    });
  }
  return { text: `${title}: ${summary}`, blocks };
}

function slackEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
