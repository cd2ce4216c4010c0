import type { CiResult, CiTestRun } from '../../../ci/types.ts';
import type { SelectResult } from '../../../select/types.ts';
import { esc, text } from '../escape.ts';
import { capped, duration, moreItem, moreRow, plural } from '../format.ts';
import { notRunPanel, stepWarning } from '../steps.ts';

export const SELECTED_TESTS_LIMIT = 200;
const REASONS_LIMIT = 5;
const IGNORED_LIMIT = 100;
const FAILED_LIMIT = 50;

export function selectionView(result: CiResult): string {
  const parts: string[] = [];
  if (result.selection?.all || result.run?.all) {
    const reason =
      result.selection?.reason ?? (result.selection ? 'a safety rule applied' : 'test selection did not run');
    parts.push(
      `<div class="panel all-selected"><strong>Every test was run:</strong> ${text(reason, 1000)}</div>`,
    );
  }
  parts.push(result.run ? runSummary(result.run) : notRunPanel(result, ['run']));
  if (result.run) parts.push(stepWarning(result, 'run'));
  if (result.selection) {
    parts.push(stepWarning(result, 'select'), selectionTables(result.selection));
  } else {
    parts.push('<h2>Selected tests</h2>', notRunPanel(result, ['select']));
  }
  return parts.join('\n');
}

function runSummary(run: CiTestRun): string {
  const share = run.totalTestFiles > 0 ? Math.round((run.testFiles / run.totalTestFiles) * 100) : 100;
  const saved =
    run.savedMs !== undefined
      ? `, about ${duration(run.savedMs)} of runner time saved`
      : ', no time estimate saved';
  const outcome = `${run.tests.passed} passed, ${run.tests.failed} failed, ${run.tests.skipped} skipped in ${duration(run.durationMs)}`;
  const failed =
    run.failedTests.length > 0
      ? `<h3>Failed tests</h3><ul class="failed-tests">${capped(
          run.failedTests,
          FAILED_LIMIT,
          (id) => `<li><code>${text(id)}</code></li>`,
          (rest) => moreItem(rest, 'failed tests'),
        )}</ul>`
      : '';
  return (
    `<div class="cards"><div class="card"><div class="card-value">${run.testFiles} / ${run.totalTestFiles}</div>` +
    `<div class="card-label">test files run (${share}%)</div></div>` +
    `<div class="card good"><div class="card-value">${esc(run.savedMs !== undefined ? duration(run.savedMs) : '–')}</div>` +
    `<div class="card-label">time saved</div></div>` +
    `<div class="card ${run.exitCode === 0 ? 'good' : 'bad'}"><div class="card-value">${run.exitCode}</div><div class="card-label">runner exit code</div></div></div>` +
    `<p class="lead">Ran ${plural(run.testFiles, 'test file')} of ${run.totalTestFiles}${esc(saved)}: ${esc(outcome)}.` +
    `${run.timedOut ? ' <strong>The run timed out.</strong>' : ''}</p>${failed}`
  );
}

function selectionTables(selection: SelectResult): string {
  const parts: string[] = ['<h2>Selected tests</h2>'];
  const s = selection.stats;
  parts.push(
    `<p class="muted">${plural(selection.tests.length, 'test file')} selected of ${s.totalTests} for ${plural(s.changedFiles, 'changed file')}; ` +
      `${s.files} files in the module graph (${s.parsed} parsed, ${s.cached} from cache) in ${esc(duration(s.ms))}.</p>`,
  );
  if (selection.tests.length > 0) {
    const rows = capped(
      selection.tests,
      SELECTED_TESTS_LIMIT,
      (test) =>
        `<tr><td><code>${text(test.file)}</code></td><td class="num">${esc(test.score.toFixed(2))}</td>` +
        `<td><ul class="reasons">${capped(
          test.reasons,
          REASONS_LIMIT,
          (reason) => `<li>${text(reason)}</li>`,
          (rest) => moreItem(rest, 'reasons'),
        )}</ul></td><td>${text(test.runner ?? '')}${test.project ? ` <span class="muted">in ${text(test.project)}</span>` : ''}</td></tr>`,
      (rest) => moreRow(4, rest, 'selected tests'),
    );
    parts.push(
      `<table class="selected"><thead><tr><th>Test file</th><th class="num">Score</th><th>Why</th><th>Runner</th></tr></thead><tbody>${rows}</tbody></table>`,
    );
  }
  if (selection.ignored.length > 0) {
    const rows = capped(
      selection.ignored,
      IGNORED_LIMIT,
      (item) => `<tr><td><code>${text(item.file)}</code></td><td>${text(item.reason)}</td></tr>`,
      (rest) => moreRow(2, rest, 'ignored files'),
    );
    parts.push(
      '<h3>Changed files that affect no test</h3>',
      `<table class="ignored"><thead><tr><th>File</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`,
    );
  }
  return parts.join('\n');
}
