import { gateLine, notEvaluatedGates } from '../../../ci/gates.ts';
import type { CiResult } from '../../../ci/types.ts';
import { esc, text } from '../escape.ts';
import { capped, duration, integer, moreItem, percent, plural } from '../format.ts';
import { statusBadge } from '../steps.ts';
import { onlySkeletons } from './generation.ts';

const FAILED_TESTS_LIMIT = 50;

interface Headline {
  label: string;
  value: string;
  note?: string;
  tone?: 'good' | 'bad' | 'warn';
}

export function overviewView(result: CiResult): string {
  const cards = headlines(result)
    .map(
      (h) =>
        `<div class="card ${h.tone ?? ''}"><div class="card-value">${esc(h.value)}</div><div class="card-label">${esc(h.label)}</div>${h.note ? `<div class="card-note">${text(h.note)}</div>` : ''}</div>`,
    )
    .join('');
  const steps = result.steps
    .map(
      (step) =>
        `<tr data-step="${esc(step.name)}"><td>${esc(step.name)}</td><td>${statusBadge(step.status)}</td><td class="num">${esc(duration(step.ms))}</td><td>${text(step.detail ?? '', 1000)}${step.code ? ` <code>${esc(step.code)}</code>` : ''}</td></tr>`,
    )
    .join('');
  const gates = result.gates
    .map(
      (gate) =>
        `<tr><td>${esc(gate.name)}</td><td>${statusBadge(gate.status ?? (gate.passed ? 'passed' : 'failed'))}</td><td>${text(gateLine(gate), 1000)}</td></tr>`,
    )
    .join('');
  const failed = result.run?.failedTests ?? [];
  return [
    `<div class="cards">${cards}</div>`,
    '<h2>Steps</h2>',
    `<table class="steps"><thead><tr><th>Step</th><th>Status</th><th class="num">Time</th><th>Detail</th></tr></thead><tbody>${steps}</tbody></table>`,
    gates ? '<h2>Gates</h2>' : '',
    gates
      ? `<table class="gates"><thead><tr><th>Gate</th><th>Result</th><th>Detail</th></tr></thead><tbody>${gates}</tbody></table>`
      : '',
    failed.length > 0 ? `<h2>Failed tests (${failed.length})</h2>` : '',
    failed.length > 0
      ? `<ul class="failed-tests">${capped(
          failed,
          FAILED_TESTS_LIMIT,
          (id) => `<li><code>${text(id)}</code></li>`,
          (rest) => moreItem(rest, 'failed tests'),
        )}</ul>`
      : '',
  ].join('\n');
}

function headlines(result: CiResult): Headline[] {
  const out: Headline[] = [];
  const unknown = notEvaluatedGates(result);
  out.push({
    label: 'exit code',
    value: String(result.exitCode),
    note:
      result.exitCode !== 0
        ? 'see the gates below'
        : unknown.length > 0
          ? `tests passed; not evaluated: ${unknown.map((g) => g.name).join(', ')}`
          : 'tests passed, every gate holds',
    tone: result.exitCode !== 0 ? 'bad' : unknown.length > 0 ? 'warn' : 'good',
  });
  if (result.gaps) {
    const t = result.gaps.totals;
    out.push({
      label: 'diff coverage',
      value: percent(t.percent),
      note: `${t.uncoveredLines} of ${t.coverableLines} coverable changed lines uncovered`,
      tone: t.uncoveredLines === 0 ? 'good' : 'warn',
    });
  }
  if (result.run) out.push(...runHeadlines(result.run));
  if (result.generate) {
    const g = result.generate;
    out.push(
      onlySkeletons(g)
        ? {
            label: 'test skeletons (it.todo)',
            value: String(g.stubs.length),
            note: 'no LLM endpoint: no test generated',
            tone: 'warn',
          }
        : {
            label: 'generated tests accepted',
            value: String(g.accepted.length),
            note: `${plural(g.stats.targets, 'target')}, ${g.discarded.length} discarded`,
          },
    );
  }
  if (result.triage) {
    const flaky = result.triage.findings.filter((f) => f.verdict === 'flaky').length;
    const broken = result.triage.findings.filter((f) => f.verdict === 'broken').length;
    out.push({
      label: 'flaky / broken tests',
      value: `${flaky} / ${broken}`,
      note: `over ${plural(result.triage.stats.runs, 'run')}`,
      tone: flaky + broken > 0 ? 'warn' : 'good',
    });
  }
  const budget = result.stats.budgetMs ? ` of a ${duration(result.stats.budgetMs)} budget` : '';
  out.push({
    label: 'total time',
    value: duration(result.stats.ms),
    note: `${integer(result.stats.ms)} ms${budget}`,
  });
  return out;
}

/** The test files the run took and how its tests fared. */
function runHeadlines(r: NonNullable<CiResult['run']>): Headline[] {
  return [
    {
      label: 'test files run',
      value: `${r.testFiles} / ${r.totalTestFiles}`,
      note: r.all ? 'every test ran' : r.savedMs ? `${duration(r.savedMs)} saved` : 'selected by impact',
    },
    r.tests.failed > 0
      ? {
          label: 'tests failed',
          value: String(r.tests.failed),
          note: `${r.tests.passed} passed, ${r.tests.skipped} skipped`,
          tone: 'bad',
        }
      : {
          label: 'tests passed',
          value: String(r.tests.passed),
          note: `none failed, ${r.tests.skipped} skipped`,
          tone: 'good',
        },
  ];
}
