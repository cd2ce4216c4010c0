import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { CiResult, SourceFile } from '../../ci/types.ts';
import { writeFileAtomic } from '../../util/fs.ts';
import { esc, text } from './escape.ts';
import { duration, shortCommit } from './format.ts';
import { CSS, SCRIPT } from './style.ts';
import { coverageView } from './views/coverage.ts';
import { flakyView } from './views/flaky.ts';
import { generationView } from './views/generation.ts';
import { overviewView } from './views/overview.ts';
import { selectionView } from './views/selection.ts';

export interface HtmlReportOptions {
  /** Page title and heading (default: "testloop ci"). */
  title?: string;
  /** Shown in the header; defaults to now. Pass a fixed date for reproducible output. */
  generatedAt?: Date;
}

const HTML_REPORT_FILE = 'index.html';

const VIEWS = [
  { id: 'overview', label: 'Overview', render: (r: CiResult) => overviewView(r) },
  {
    id: 'coverage',
    label: 'Coverage',
    render: (r: CiResult, s: readonly SourceFile[]) => coverageView(r, s),
  },
  { id: 'selection', label: 'Selection', render: (r: CiResult) => selectionView(r) },
  { id: 'generation', label: 'Generation', render: (r: CiResult) => generationView(r) },
  { id: 'flaky', label: 'Flaky', render: (r: CiResult) => flakyView(r) },
] as const;

/**
 * Allows only the page's own inline style and its one script (by hash, so no injected inline
 * script or event handler could run even if escaping failed): no fetch of any kind at view time.
 */
function contentSecurityPolicy(): string {
  const scriptHash = createHash('sha256').update(SCRIPT).digest('base64');
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src 'sha256-${scriptHash}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** One self-contained page (inline CSS, script and SVG) with a tab per part of the CI run. */
export function renderHtmlReport(
  result: CiResult,
  sources: readonly SourceFile[],
  options: HtmlReportOptions = {},
): string {
  const title = options.title ?? 'testloop ci';
  const generatedAt = options.generatedAt ?? new Date();
  const range =
    result.base || result.head ? `${shortCommit(result.base)} → ${shortCommit(result.head)} · ` : '';
  const subtitle = `${range}exit code ${result.exitCode} · ${duration(result.stats.ms)} · generated ${generatedAt.toISOString()}`;
  const tabs = VIEWS.map(
    (view, i) =>
      `<a href="#${view.id}" data-view="${view.id}" role="tab" aria-controls="${view.id}" aria-selected="${i === 0}">${view.label}</a>`,
  ).join('');
  const sections = VIEWS.map(
    (view) =>
      `<section class="view" id="${view.id}" role="tabpanel" aria-label="${view.label}"><h2 class="view-title">${view.label}</h2>\n${view.render(result, sources)}\n</section>`,
  ).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${text(title, 200)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${text(title, 200)}</h1><p>${esc(subtitle)}</p></header>
<nav role="tablist" aria-label="Report views">${tabs}</nav>
<main>
${sections}
</main>
<footer>Self-contained report: nothing is loaded from the network.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** Writes `index.html` into `dir` (created when missing) through a temp file and a rename; returns its path. */
export async function writeHtmlReport(
  dir: string,
  result: CiResult,
  sources: readonly SourceFile[],
  options: HtmlReportOptions = {},
): Promise<string> {
  const path = join(resolve(dir), HTML_REPORT_FILE);
  await writeFileAtomic(path, renderHtmlReport(result, sources, options));
  return path;
}
