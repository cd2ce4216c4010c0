import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TRIAGE_OPTIONS } from '../config/triage-options.ts';
import { EXIT, TestloopError } from '../errors.ts';
import { buildQuarantine, renderTriage, slackMessage, TRIAGE_FORMATS, triageJson } from '../report/triage.ts';
import { postWebhook } from '../triage/notify.ts';
import { parseQuarantine, type QuarantineFile } from '../triage/quarantine.ts';
import type { TriageReport } from '../triage/report.ts';
import { openTriage } from '../triage/triage.ts';
import type { Finding, TriageResult } from '../triage/types.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { defineCommand } from './command-input.ts';
import type { CommandHelp } from './help.ts';
import type { CliIO } from './io.ts';
import { parseFormatTargets, useColor } from './output.ts';
import { requireModel } from './triage-model.ts';

const HELP: CommandHelp = {
  command: 'triage',
  summary:
    'Tell flaky tests from broken and healthy ones across the CI runs in the history (see testloop ingest), with probable causes, evidence and fixes, ranked by impact.',
  examples: [
    ['testloop triage', 'flaky and broken tests of the last 200 recorded runs, with causes and fixes'],
    [
      'testloop triage --format markdown:flaky.md --quarantine .testloop/quarantine.json',
      'a report to publish and a quarantine file for the test setup to skip',
    ],
    [
      "testloop triage --fix 'src/cart.test.ts › checkout › pays' --patch fix.patch",
      'reproduce a flaky test, have the model fix it, prove the fix by reruns and write it as a patch',
    ],
  ],
  exitCodes:
    '0 done (also when tests are flaky or broken, when --notify fails: reported on stderr, and whatever --fix achieved), 1 a test is flaky or broken and --fail-on names that verdict, 2 usage or input error (a --fix id that names no test)',
  noOperands: 'Reports go into the history with testloop ingest first',
};

export const triageCommand = defineCommand(TRIAGE_OPTIONS, HELP, async ({ cwd, options }, io) => {
  // --format, --quarantine, --notify and --fail-on are the CLI's own (what it writes and posts, the exit
  // status); the rest are fields of triage (and, with --fix, of fixTests).
  const { format, quarantine, notify, failOn, ...triageOptions } = options;
  const formats = parseFormatTargets(format && format.length > 0 ? format : ['text'], TRIAGE_FORMATS);
  if (options.fix && options.fix.length > 0) {
    const { triageFixCommand } = await import('./triage-fix.ts');
    return triageFixCommand(options, { cwd, env: io.env, io, formats });
  }
  if (options.explain) requireModel(options, '--explain');
  const previous = quarantine ? await readPrevious(resolve(cwd, quarantine)) : undefined;

  const report = await openTriage({
    cwd,
    env: io.env,
    log: (line) => io.stderr(`${line}\n`),
    ...triageOptions,
  });
  try {
    const { result, quiet } = report;
    if (result.stats.runs === 0) {
      io.stderr(
        'testloop: the history has no runs yet: record some with testloop ingest <reports…> after each CI run\n',
      );
    }
    const color = useColor(io.env, io.isTTY);
    for (const { kind, path } of formats) {
      if (kind === 'json') {
        // Every finding, the quiet ones read back from the store as they are written.
        const chunks = triageJson(result.stats, report.jsonBatches());
        if (path !== undefined) await writeFileAtomic(resolve(cwd, path), chunks);
        else await streamToStdout(chunks, io);
        continue;
      }
      const text = renderTriage(result, kind, { color: path === undefined && color, quiet });
      if (path === undefined) io.stdout(text);
      else await writeFileAtomic(resolve(cwd, path), text);
    }
    if (quarantine) await writeQuarantine(report, previous, quarantine, cwd, io);
    if (notify) await notifyWebhook(notify, result, quiet, io);
    return failed(result, failOn ?? []) ? EXIT.findings : EXIT.ok;
  } finally {
    await report.close();
  }
});

/** Chunks of the JSON report to stdout as they come, each once the pipe took the one before. */
async function streamToStdout(chunks: ReturnType<typeof triageJson>, io: CliIO): Promise<void> {
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') io.stdout(chunk);
    else if (io.stdoutBytes) io.stdoutBytes(chunk);
    else io.stdout(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8'));
    // Writes to a pipe queue up in memory until the reader takes them: wait for it.
    await io.stdoutDrained?.();
  }
}

/** --quarantine: the list of tests to quarantine, updated from the previous one. */
async function writeQuarantine(
  report: TriageReport,
  previous: QuarantineFile | undefined,
  file: string,
  cwd: string,
  io: CliIO,
): Promise<void> {
  const { result } = report;
  const seen = await quietListed(report, previous);
  const list = buildQuarantine({ ...result, findings: [...result.findings, ...seen] }, previous, {
    now: new Date(),
  });
  await writeFileAtomic(resolve(cwd, file), `${JSON.stringify(list, null, 2)}\n`);
  io.stderr(`testloop: ${file}: ${list.tests.length} quarantined test(s)\n`);
}

/** Quiet findings of tests the previous quarantine list names: they are healthy now, so they leave it. */
async function quietListed(report: TriageReport, previous: QuarantineFile | undefined): Promise<Finding[]> {
  const known = new Set(report.result.findings.map((f) => f.testId));
  const wanted = new Set((previous?.tests ?? []).map((t) => t.testId).filter((id) => !known.has(id)));
  const seen: Finding[] = [];
  if (wanted.size === 0 || report.quiet === 0) return seen;
  for await (const finding of report.findings()) if (wanted.has(finding.testId)) seen.push(finding);
  return seen;
}

function failed(result: TriageResult, failOn: readonly string[]): boolean {
  return result.findings.some((f) => failOn.includes(f.verdict));
}

async function notifyWebhook(url: string, result: TriageResult, quiet: number, io: CliIO): Promise<void> {
  const outcome = await postWebhook(url, slackMessage(result, { quiet }));
  if (!outcome.ok) {
    io.stderr(`testloop: warning: --notify failed (${outcome.error}); the exit status is not affected\n`);
  }
}

async function readPrevious(path: string): Promise<QuarantineFile | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return parseQuarantine(text, path);
  } catch (error) {
    throw new TestloopError('TESTLOOP_USAGE', `--quarantine ${(error as Error).message}`);
  }
}
