import type { CiResult } from '../../../ci/types.ts';
import type { GenerateResult, Stage } from '../../../generate/types.ts';
import { esc, text } from '../escape.ts';
import { capped, duration, integer, lineRanges, moreItem, moreRow, num } from '../format.ts';
import { notRunPanel, stepWarning } from '../steps.ts';
import { barChart } from '../svg.ts';

const FUNNEL: readonly { stage: Stage; label: string }[] = [
  { stage: 'generated', label: 'generated' },
  { stage: 'compiled', label: 'compiled' },
  { stage: 'passed', label: 'passed' },
  { stage: 'stable', label: 'stable' },
  { stage: 'addedCoverage', label: 'added coverage' },
  { stage: 'killsMutants', label: 'kills mutants' },
];
export const GENERATED_LIST_LIMIT = 100;
/** Characters of a discard reason (runner output) shown inline. */
const REASON_CHARS = 1500;

export function generationView(result: CiResult): string {
  const g = result.generate;
  if (!g) return notRunPanel(result, ['generate']);
  return [
    stepWarning(result, 'generate'),
    g.llmError
      ? `<div class="panel warn"><strong>model endpoint failed:</strong> ${text(g.llmError.message, 1000)} <code>${text(g.llmError.code)}</code></div>`
      : '',
    ...(onlySkeletons(g)
      ? [skeletonsPanel(g)]
      : ['<h2>Funnel</h2>', funnel(g), numbers(g), accepted(g), discarded(g)]),
    stubs(g),
    skipped(g),
    extras(g),
  ].join('\n');
}

/**
 * The offline engine wrote todo skeletons and nothing was generated: no model was asked, no candidate
 * validated. A funnel of zeros and "0 of N uncovered lines newly covered" would only say that badly.
 */
export function onlySkeletons(g: GenerateResult): boolean {
  return (
    g.stubs.length > 0 &&
    g.accepted.length === 0 &&
    g.discarded.length === 0 &&
    g.usage.requests === 0 &&
    !g.stats.candidates
  );
}

function skeletonsPanel(g: GenerateResult): string {
  const testFiles = new Set(g.written ?? []);
  const written = g.stubs.filter((stub) => testFiles.has(stub.testFile)).length;
  const skeletons = `${g.stubs.length} test skeleton${g.stubs.length === 1 ? '' : 's'} (it.todo)`;
  const fate =
    written === g.stubs.length
      ? 'written'
      : written > 0
        ? `drafted, ${written} written`
        : 'drafted, not written';
  return (
    `<div class="panel warn skeletons"><strong>${esc(`${skeletons} ${fate}; no tests generated:`)}</strong> ` +
    'set an LLM endpoint (<code>TESTLOOP_LLM_BASE_URL</code> and <code>TESTLOOP_LLM_MODEL</code>, or ' +
    '<code>--base-url</code> and <code>--model</code>) to have tests written, run and kept only when they ' +
    `pass and cover changed lines. ${esc(`${integer(g.stats.uncoveredLines ?? 0)} uncovered changed lines in ${g.stats.targets} targets, ${duration(g.stats.ms)}.`)}</div>`
  );
}

function funnel(g: GenerateResult): string {
  // A result written before a stage existed (killsMutants) shows the stages it has.
  const stages = FUNNEL.filter(({ stage }) => g.funnel[stage] !== undefined);
  const bars = stages.map(({ stage, label }, i) => ({
    label,
    value: num(g.funnel[stage]),
    tone: i === stages.length - 1 ? 'good' : 'neutral',
  }));
  const label = `Generation funnel over ${g.stats.targets} targets: ${bars.map((b) => `${b.label} ${b.value}`).join(', ')}`;
  return `<figure class="funnel">${barChart(bars, label)}<figcaption class="muted">${esc(label)}</figcaption></figure>`;
}

function numbers(g: GenerateResult): string {
  const s = g.stats;
  const rows: [string, string][] = [
    ['targets', integer(s.targets)],
    ['candidates validated', s.candidates === undefined ? '–' : integer(s.candidates)],
    ['repairs', integer(s.repairs)],
    ['model requests', integer(g.usage.requests)],
    ['prompt tokens', integer(g.usage.promptTokens)],
    ['completion tokens', integer(g.usage.completionTokens)],
    [
      'prompt tokens per accepted test',
      s.promptTokensPerAccepted === undefined ? '–' : integer(s.promptTokensPerAccepted),
    ],
    [
      'newly covered lines',
      `${integer(g.accepted.reduce((sum, a) => sum + a.newlyCoveredLines.length, 0))}${s.uncoveredLines === undefined ? '' : ` of ${integer(s.uncoveredLines)} uncovered`}`,
    ],
    [
      'time',
      `${duration(s.ms)} (model ${duration(s.llmMs)}, runner ${duration(s.runnerMs)}, other ${duration(s.overheadMs)})`,
    ],
  ];
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`;
}

function accepted(g: GenerateResult): string {
  if (g.accepted.length === 0)
    return '<h2>Accepted tests</h2><p class="muted">No generated test was accepted.</p>';
  const rows = capped(
    g.accepted,
    GENERATED_LIST_LIMIT,
    (a) =>
      `<tr><td><code>${text(a.target)}</code></td><td><code>${text(a.testFile)}</code></td>` +
      `<td>${text(lineRanges(a.newlyCoveredLines), 300)} <span class="muted">(${a.newlyCoveredLines.length})</span></td>` +
      `<td class="num">${a.mutants ? esc(`${a.mutants.killed} / ${a.mutants.total}`) : '–'}</td>` +
      `<td class="num">${a.repairs ?? '–'}</td><td class="num">${a.promptTokens === undefined ? '–' : esc(integer(a.promptTokens))}</td></tr>`,
    (rest) => moreRow(6, rest, 'accepted tests'),
  );
  return (
    `<h2>Accepted tests (${g.accepted.length})</h2><table class="accepted"><thead><tr><th>Target</th><th>Test file</th>` +
    `<th>Newly covered lines</th><th class="num">Mutants killed</th><th class="num">Repairs</th><th class="num">Prompt tokens</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function discarded(g: GenerateResult): string {
  if (g.discarded.length === 0) return '';
  const rows = capped(
    g.discarded,
    GENERATED_LIST_LIMIT,
    (d) =>
      `<tr><td><code>${text(d.target)}</code></td><td>${esc(stageLabel(d.stage))}</td>` +
      `<td><pre class="reason">${text(d.reason, REASON_CHARS)}</pre></td></tr>`,
    (rest) => moreRow(3, rest, 'discarded targets'),
  );
  return (
    `<h2>Discarded (${g.discarded.length})</h2><table class="discarded"><thead><tr><th>Target</th>` +
    `<th>Failed to reach</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function stageLabel(stage: string): string {
  return FUNNEL.find((f) => f.stage === stage)?.label ?? stage;
}

function stubs(g: GenerateResult): string {
  if (g.stubs.length === 0) return '';
  const rows = capped(
    g.stubs,
    GENERATED_LIST_LIMIT,
    (s) =>
      `<tr><td><code>${text(s.target)}</code></td><td><code>${text(s.testFile)}</code></td><td class="num">${num(s.todos)}</td></tr>`,
    (rest) => moreRow(3, rest, 'stubs'),
  );
  return (
    `<h2>Stubs (${g.stubs.length})</h2><p class="muted">Offline skeletons with todo entries: never counted as coverage.</p>` +
    `<table class="stubs"><thead><tr><th>Target</th><th>Test file</th><th class="num">Todos</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function skipped(g: GenerateResult): string {
  const list = g.skipped ?? [];
  if (list.length === 0) return '';
  const items = capped(
    list,
    GENERATED_LIST_LIMIT,
    (s) => `<li><code>${text(s.target)}</code>: ${text(s.reason)}</li>`,
    (rest) => moreItem(rest, 'skipped targets'),
  );
  return `<h2>Not tried (${list.length})</h2><ul>${items}</ul>`;
}

function extras(g: GenerateResult): string {
  const parts: string[] = [];
  if (g.written && g.written.length > 0) {
    parts.push(
      `<h3>Written files</h3><ul>${capped(
        g.written,
        GENERATED_LIST_LIMIT,
        (file) => `<li><code>${text(file)}</code></li>`,
        (rest) => moreItem(rest, 'files'),
      )}</ul>`,
    );
  }
  if (g.patch) parts.push(`<p>Patch: <code>${text(g.patch)}</code></p>`);
  if (g.warnings && g.warnings.length > 0) {
    parts.push(
      `<h3>Warnings</h3><ul class="warnings">${capped(
        g.warnings,
        50,
        (w) => `<li>${text(w, 1000)}</li>`,
        (rest) => moreItem(rest, 'warnings'),
      )}</ul>`,
    );
  }
  return parts.join('\n');
}
