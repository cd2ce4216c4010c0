import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import type { CiResult, SourceFile } from '../../src/ci/types.ts';

export const FIXTURE = fileURLToPath(new URL('../fixtures/report/html/', import.meta.url));

/** Closes the script element, breaks out of an attribute, and tries three ways to run code. */
export const HOSTILE =
  '</script><script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">\'<svg onload=window.__pwned=3>';

/** The recorded `testloop ci` result and the changed files' sources (text from the fixture, hunks from sources.json). */
export function loadFixture(): { result: CiResult; sources: SourceFile[] } {
  const result = JSON.parse(readFileSync(`${FIXTURE}ci-result.json`, 'utf8')) as CiResult;
  const listed = JSON.parse(readFileSync(`${FIXTURE}sources.json`, 'utf8')) as {
    path: string;
    file?: string;
    hunks: SourceFile['hunks'];
  }[];
  const sources = listed.map(({ path, file, hunks }) => ({
    path,
    hunks,
    ...(file ? { text: readFileSync(`${FIXTURE}${file}`, 'utf8') } : {}),
  }));
  return { result, sources };
}

/** The fixture with hostile strings in every untrusted field the views print. */
export function hostileFixture(): { result: CiResult; sources: SourceFile[] } {
  const { result, sources } = loadFixture();
  const path = `src/${HOSTILE}.ts`;
  result.steps[0]!.detail = HOSTILE;
  result.gates[0]!.detail = HOSTILE;
  result.gaps!.files.push({
    path,
    changedLines: 2,
    coverableLines: 2,
    uncoveredLines: [2],
    uncoveredBranches: [],
    uncoveredFunctions: [{ name: HOSTILE, line: 1 }],
    percent: 50,
    measured: true,
  });
  result.gaps!.warnings.push(HOSTILE);
  sources.push({
    path,
    text: `export const a = 1;\nexport const html = '${HOSTILE}';\n`,
    hunks: [{ start: 1, end: 2 }],
  });
  result.selection!.tests[0]!.reasons.push(HOSTILE);
  result.selection!.ignored.push({ file: HOSTILE, reason: HOSTILE });
  result.run!.failedTests.push(HOSTILE);
  result.generate!.discarded.push({ target: HOSTILE, stage: 'compiled', reason: HOSTILE });
  const finding = result.triage!.findings[1]!;
  finding.testId = HOSTILE;
  finding.owners = [HOSTILE];
  finding.evidence = [HOSTILE];
  finding.causes[0]!.evidence = [HOSTILE];
  finding.causes[0]!.fix = HOSTILE;
  const trend = result.trends![1]!;
  trend.testId = HOSTILE;
  trend.points[0]!.runId = HOSTILE;
  trend.points[0]!.status = HOSTILE as 'passed';
  return { result, sources };
}

const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, with nothing that reaches the network on its own. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install the Debian chromium package (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
