import { join, resolve } from 'node:path';
import { progressLines } from '../ci/progress.ts';
import { runCi } from '../ci/run-ci.ts';
import type { CiResult } from '../ci/types.ts';
import { CI_OPTIONS } from '../config/ci-options.ts';
import { EXIT, TestloopError } from '../errors.ts';
import type { CommentOutcome } from '../integrations/comment/post.ts';
import { CI_FORMATS, type CiFormat, renderCiGaps, renderCiText } from '../report/ci.ts';
import { withoutTestloopSecrets } from '../sandbox/env.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { defineCommand } from './command-input.ts';
import type { CommandHelp } from './help.ts';
import type { CliIO } from './io.ts';
import { parseFormatTargets } from './output.ts';

const HELP: CommandHelp = {
  command: 'ci',
  summary:
    'The whole loop in one CI step: select the tests a change can affect, run them with coverage, find the gaps of the change, generate tests for them, record the results and triage flaky tests, inside --budget.',
  examples: [
    [
      'testloop ci --base origin/main --format text --format html:testloop-report',
      'the whole loop for a pull request, with a self-contained HTML report',
    ],
    [
      'testloop ci --base origin/main --budget 10m --fail-under 80 --flaky fail --comment',
      'inside 10 minutes; red below 80% diff coverage or when a test is flaky; the report in one pull-request comment that the next push updates',
    ],
    ['testloop ci --skip generate,triage --format json:ci.json', 'select, run and gaps only, as JSON'],
  ],
  exitCodes:
    "0 the tests passed and every gate holds, 1 a test failed or a gate (--fail-under, --flaky fail, --strict) does not hold, 2 usage or input error. testloop's own failures are reported and do not change the status unless --strict",
  notes: 'The model API key is read from TESTLOOP_LLM_API_KEY or OPENAI_API_KEY only.',
  noOperands: 'See testloop ci --help',
};

export const ciCommand = defineCommand(CI_OPTIONS, HELP, async ({ cwd, options }, io) => {
  // --format and --comment are the CLI's own (where reports go, the comment posted after the run); the
  // rest are fields of runCi.
  const { format, comment: postsComment, ...ciOptions } = options;
  const formats = ciFormats(format);
  if (options.generate === 'llm' && !options.baseUrl) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      '--generate llm needs an endpoint: set --base-url or TESTLOOP_LLM_BASE_URL (and --model or TESTLOOP_LLM_MODEL)',
    );
  }

  // On a terminal the steps read as a short list; in CI logs each line carries a timestamp.
  const progress = progressLines({ tty: io.isTTY && !io.env.CI });
  const result = await runCi({
    cwd,
    // The comment tokens are testloop's alone: the tests it runs (and the tests a model wrote) never see them.
    env: withoutTestloopSecrets(io.env),
    ...ciOptions,
    // The reports written after the run are never a change to the next one.
    ownOutputs: formats.flatMap((f) =>
      f.path === undefined ? [] : [f.kind === 'html' ? join(f.path, 'index.html') : f.path],
    ),
    log: (line) => io.stderr(line.endsWith('\n') ? line : `${line}\n`),
    onStepStart: (name) => {
      if (name === 'run' || name === 'generate') io.stderr(progress.start(name));
    },
    onStep: (step) => io.stderr(progress.end(step)),
  });

  // The JSON report carries the comment's outcome, so it is written after the comment; the others before.
  const reports = { formats, result, cwd, io };
  await writeReports(reports, (kind) => kind !== 'json', result);
  const comment = postsComment ? await postComment(result, options.strict === true, cwd, io) : undefined;
  await writeReports(
    reports,
    (kind) => kind === 'json',
    comment === undefined ? result : { ...result, comment },
  );
  if (comment?.status === 'failed' && options.strict) return Math.max(result.exitCode, EXIT.findings);
  return result.exitCode;
});

/** --format's targets (default text); html needs a folder. */
function ciFormats(format: string[] | undefined): { kind: CiFormat; path?: string }[] {
  const formats = parseFormatTargets<CiFormat>(format && format.length > 0 ? format : ['text'], CI_FORMATS, [
    'github',
  ]);
  for (const f of formats) {
    if (f.kind === 'html' && f.path === undefined)
      throw new TestloopError(
        'TESTLOOP_USAGE',
        '--format html writes a folder: name it, e.g. --format html:testloop-report',
      );
  }
  return formats;
}

/** Writes the reports of the formats `kinds` picks: to their paths, or stdout; html as a folder. */
async function writeReports(
  {
    formats,
    result,
    cwd,
    io,
  }: { formats: { kind: CiFormat; path?: string }[]; result: CiResult; cwd: string; io: CliIO },
  kinds: (kind: CiFormat) => boolean,
  report: CiJson,
): Promise<void> {
  for (const { kind, path } of formats) {
    if (!kinds(kind)) continue;
    if (kind === 'html') {
      const [{ writeHtmlReport }, { readChangedSources }, { repositoryRoot }] = await Promise.all([
        import('../report/html/index.ts'),
        import('../ci/sources.ts'),
        import('../git/base.ts'),
      ]);
      const root = await repositoryRoot(cwd);
      const written = await writeHtmlReport(
        resolve(cwd, path!),
        result,
        await readChangedSources(root, result),
      );
      io.stderr(`testloop: HTML report written to ${written}\n`);
      continue;
    }
    const text = await render(report, kind, cwd, io.env);
    if (path === undefined) io.stdout(text);
    else await writeFileAtomic(resolve(cwd, path), text);
  }
}

/** --comment: posts the report as the pull request's comment and says on stderr what became of it. */
async function postComment(
  result: CiResult,
  strict: boolean,
  cwd: string,
  io: CliIO,
): Promise<CommentOutcome> {
  const { postCiComment } = await import('../integrations/comment/post.ts');
  const comment = await postCiComment(result, { cwd, env: io.env });
  const failed = comment.status === 'failed';
  const effect = failed ? (strict ? '; --strict fails the build' : '; the exit status is not affected') : '';
  io.stderr(`testloop: ${failed ? 'warning: ' : ''}${comment.message}${effect}\n`);
  return comment;
}

/** `--format json`: the CiResult, and with --comment what became of the comment. */
type CiJson = CiResult & { comment?: CommentOutcome };

async function render(result: CiJson, kind: Exclude<CiFormat, 'html'>, cwd: string, env: NodeJS.ProcessEnv) {
  if (kind === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (kind === 'github' || kind === 'gitlab' || kind === 'sarif') return renderCiGaps(result, kind);
  if (kind === 'markdown') {
    const { renderCiComment, commentContextOf } = await import('../integrations/github/comment.ts');
    return renderCiComment(result, commentContextOf(result, cwd, env));
  }
  return renderCiText(result);
}
