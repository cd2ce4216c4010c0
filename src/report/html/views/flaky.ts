import type { CiResult, CiTrend, TrendPoint } from '../../../ci/types.ts';
import type { Finding, TriageResult } from '../../../triage/types.ts';
import { esc, text } from '../escape.ts';
import { capped, duration, moreItem, moreRow, plural, shortCommit } from '../format.ts';
import { notRunPanel, statusBadge, stepWarning } from '../steps.ts';
import { statusClass, trendChart } from '../svg.ts';

export const FINDINGS_LIMIT = 30;
/** Most recent runs drawn per trend chart. */
export const TREND_POINTS_LIMIT = 60;
const CAUSES_LIMIT = 3;
const EVIDENCE_LIMIT = 5;

export function flakyView(result: CiResult): string {
  const triage = result.triage;
  if (!triage) return notRunPanel(result, ['ingest', 'triage']);
  const trends = new Map((result.trends ?? []).map((trend) => [trend.testId, trend]));
  const listed = triage.findings.filter((f) => f.verdict !== 'healthy');
  const healthy = triage.findings.length - listed.length;
  const cards = capped(
    listed,
    FINDINGS_LIMIT,
    (finding) => findingCard(finding, trends.get(finding.testId)),
    (rest) => `<p class="more">${esc(`… ${rest} more findings not shown (see the JSON output)`)}</p>`,
  );
  // Trends of tests with a finding are drawn in its card (or left out with it when the list is capped).
  const found = new Set(triage.findings.map((f) => f.testId));
  const otherTrends = (result.trends ?? []).filter((trend) => !found.has(trend.testId));
  return [
    stepWarning(result, 'ingest'),
    stepWarning(result, 'triage'),
    summary(triage, listed.length, healthy),
    listed.length === 0
      ? '<div class="panel good">No flaky or broken test in the recorded runs.</div>'
      : cards,
    otherTrends.length > 0 ? '<h2>Other trends</h2>' : '',
    capped(
      otherTrends,
      FINDINGS_LIMIT,
      (trend) =>
        `<article class="finding"><h3><code>${text(trend.testId)}</code></h3>${trendFigure(trend)}</article>`,
      (rest) => `<p class="more">${esc(`… ${rest} more trends not shown`)}</p>`,
    ),
    outages(triage),
  ].join('\n');
}

function summary(triage: TriageResult, listed: number, healthy: number): string {
  const s = triage.stats;
  const set = s.outageRuns > 0 ? `, ${plural(s.outageRuns, 'outage run')} set aside` : '';
  return `<p class="lead">${plural(listed, 'flaky or broken test', 'flaky or broken tests')} and ${healthy} healthy, from ${plural(s.tests, 'test')} over ${plural(s.runs, 'run')} (${s.attempts} attempts${esc(set)}).</p>`;
}

function findingCard(f: Finding, trend: CiTrend | undefined): string {
  const facts = [
    `failed ${f.failures} of ${f.runs} runs`,
    `flip rate ${f.flipRate}`,
    `confidence ${f.confidence}`,
    `${plural(f.impact.failedPipelines, 'failed pipeline')}, ${f.impact.minutesLost} min lost`,
  ];
  if (f.since) facts.push(`since ${shortCommit(f.since)}${f.sinceAt ? ` (${f.sinceAt})` : ''}`);
  const parts = [
    `<article class="finding ${esc(f.verdict)}" data-verdict="${esc(f.verdict)}">`,
    `<h3>${statusBadge(f.verdict)} <code>${text(f.testId)}</code></h3>`,
    `<p class="facts">${text(facts.join(' · '), 1000)}</p>`,
  ];
  if (f.owners && f.owners.length > 0)
    parts.push(`<p>owners: ${f.owners.map((o) => `<code>${text(o, 200)}</code>`).join(' ')}</p>`);
  if (f.evidence && f.evidence.length > 0) {
    parts.push(
      `<ul class="evidence">${capped(
        f.evidence,
        EVIDENCE_LIMIT,
        (line) => `<li>${text(line)}</li>`,
        (rest) => moreItem(rest, 'lines'),
      )}</ul>`,
    );
  }
  if (f.causes.length > 0) {
    parts.push(
      `<h4>Probable causes</h4><ol class="causes">${f.causes.slice(0, CAUSES_LIMIT).map(causeItem).join('')}</ol>`,
    );
  }
  if (f.cluster && f.cluster.length > 0) {
    parts.push(
      `<p>fails together with ${f.cluster
        .slice(0, 10)
        .map((id) => `<code>${text(id)}</code>`)
        .join(', ')}</p>`,
    );
  }
  if (f.rerun) {
    const r = f.rerun;
    parts.push(
      `<p>reruns: alone ${r.alone.failures}/${r.alone.runs} failed, shuffled ${r.shuffled.failures}/${r.shuffled.runs} failed` +
        `${r.confirmedFlaky ? ', confirmed flaky' : ''}${r.orderDependent ? ', order-dependent' : ''}</p>`,
    );
  }
  if (f.explanation) parts.push(`<p class="explanation">${text(f.explanation, 2000)}</p>`);
  if (trend) parts.push(trendFigure(trend));
  parts.push('</article>');
  return parts.join('');
}

function causeItem(cause: Finding['causes'][number]): string {
  const evidence =
    cause.evidence.length > 0
      ? `<pre class="evidence">${text(cause.evidence.slice(0, EVIDENCE_LIMIT).join('\n'), 2000)}${cause.evidence.length > EVIDENCE_LIMIT ? esc(`\n… ${cause.evidence.length - EVIDENCE_LIMIT} more lines`) : ''}</pre>`
      : '';
  return `<li><strong>${esc(cause.cause)}</strong> <span class="muted">(${esc(cause.score)})</span>${evidence}<p class="fix">fix: ${text(cause.fix, 1000)}</p></li>`;
}

/** The chart plus its text alternative: a one-line summary and the runs as a table. */
function trendFigure(trend: CiTrend): string {
  const points = trend.points.slice(-TREND_POINTS_LIMIT);
  const older = trend.points.length - points.length;
  const counts = new Map<string, number>();
  for (const point of points) counts.set(point.status, (counts.get(point.status) ?? 0) + 1);
  const tally = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
  const durations = points.map((p) => p.durationMs);
  const range =
    points.length > 0
      ? `; duration ${duration(Math.min(...durations))} to ${duration(Math.max(...durations))}`
      : '';
  const caption = `Last ${plural(points.length, 'run')}, oldest first: ${tally || 'none'}${range}${older > 0 ? ` (${older} older runs not drawn)` : ''}`;
  return (
    `<figure class="trend-figure">${trendChart(points, `Trend of ${clipLabel(trend.testId)}. ${caption}`)}` +
    `<figcaption>${esc(caption)} ${legend()}</figcaption>` +
    `<details class="trend-table"><summary>Runs as a table</summary><table><thead><tr><th>Run</th><th>Commit</th><th>Started</th><th>Status</th><th class="num">Duration</th></tr></thead>` +
    `<tbody>${capped(points, TREND_POINTS_LIMIT, pointRow, (rest) => moreRow(5, rest, 'runs'))}</tbody></table></details></figure>`
  );
}

function clipLabel(testId: string): string {
  return testId.length > 200 ? `${testId.slice(0, 200)}…` : testId;
}

function pointRow(point: TrendPoint): string {
  return (
    `<tr><td><code>${text(point.runId, 100)}</code></td><td><code>${text(shortCommit(point.commit))}</code></td>` +
    `<td>${text(point.startedAt ?? '', 40)}</td><td><span class="dot ${statusClass(point.status)}"></span>${text(point.status, 20)}</td>` +
    `<td class="num">${esc(duration(point.durationMs))}</td></tr>`
  );
}

function legend(): string {
  return ['passed', 'failed', 'flaky', 'skipped']
    .map((status) => `<span class="legend"><span class="dot ${status}"></span>${status}</span>`)
    .join(' ');
}

function outages(triage: TriageResult): string {
  const list = triage.stats.outages ?? [];
  if (list.length === 0) return '';
  const rows = capped(
    list,
    50,
    (o) =>
      `<tr><td><code>${text(o.runId, 100)}</code></td><td class="num">${o.attempt}</td><td>${text(o.job ?? '', 100)}</td><td>${text(o.reason)}</td></tr>`,
    (rest) => moreRow(4, rest, 'outage runs'),
  );
  return `<h2>Runs set aside as outages</h2><table><thead><tr><th>Run</th><th class="num">Attempt</th><th>Job</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`;
}
