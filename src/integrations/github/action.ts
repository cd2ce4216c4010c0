/**
 * The GitHub Action: inputs → `testloop ci` → outputs, job summary, annotations, the sticky comment and the
 * optional proposal pull request. Publishing fails open: a GitHub API failure is a warning and leaves the
 * exit status to the tests and gates, unless `strict` is on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { notEvaluatedGates } from '../../ci/gates.ts';
import { progressLines } from '../../ci/progress.ts';
import type { CiOptions, CiResult } from '../../ci/types.ts';
import { EXIT, isTestloopError } from '../../errors.ts';
import { renderCiGaps } from '../../report/ci.ts';
import { escapeData, githubReporter, JOB_SUMMARY_LIMIT } from '../../report/github.ts';
import { noCommentReason } from '../comment/rules.ts';
import { CI_COMMENT_MARKER, commentContextOf, renderCiComment } from './comment.ts';
import { type GitHubContext, readGitHubContext } from './context.ts';
import { appendOutputs, appendSummary } from './files.ts';
import { type ActionSettings, readInputs } from './inputs.ts';
import { proposeTests } from './propose.ts';
import { GitHubClient } from './rest.ts';
import { upsertStickyComment } from './sticky.ts';

export interface ActionDeps {
  runCi: (options: CiOptions) => Promise<CiResult>;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Workflow commands (default: process.stdout); the runner reads them from the step's output. */
  stdout?: (text: string) => void;
  /** Progress lines (default: process.stderr). */
  stderr?: (text: string) => void;
}

/** Inputs holding credentials: read once, then kept from the test runners and generated tests runCi starts. */
const SECRET_INPUTS = ['INPUT_GITHUB-TOKEN', 'INPUT_LLM-API-KEY'];

/**
 * Runs the Action. `env` is the step's environment (process.env in dist/action.js); the token and API-key
 * inputs are deleted from it once read, so that no child process (the user's tests, generated tests) sees them.
 */
export async function runAction(env: NodeJS.ProcessEnv, deps: ActionDeps): Promise<number> {
  const stdout = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = deps.stderr ?? ((text: string) => void process.stderr.write(text));
  const log = new WorkflowLog(stdout, stderr);
  let run: { context: GitHubContext; settings: ActionSettings; result: CiResult };
  try {
    run = await runCiFromInputs(env, deps, stderr);
  } catch (error) {
    log.command('error', describe(error));
    return isTestloopError(error) ? error.exitCode : EXIT.usage;
  }
  const { context, settings, result } = run;
  const cwd = settings.options.cwd ?? process.cwd();
  const patchPath = result.generate?.patch ?? settings.patch;
  const commentContext = commentContextOf(result, cwd, env, {
    ...(patchPath ? { patchPath } : {}),
    ...(settings.patchArtifact ? { artifactName: settings.patchArtifact } : {}),
    ...(settings.options.failUnder === undefined ? {} : { failUnder: settings.options.failUnder }),
  });

  if (result.gaps) stdout(githubReporter.render(result.gaps, { color: false }));
  // A configured gate that could not be checked is never silent: one warning each in the job's log.
  for (const gate of notEvaluatedGates(result))
    log.command('warning', `testloop: gate ${gate.name} not evaluated: ${gate.reason ?? gate.detail}`);
  if (settings.sarif) {
    await log.attempt(`write the SARIF file ${settings.sarif}`, () =>
      writeSarif(resolve(cwd, settings.sarif), result),
    );
  }
  await publishToPullRequest(log, { context, settings, result, commentContext }, deps);
  if (context.summaryPath) {
    const summaryPath = context.summaryPath;
    await log.attempt('write the job summary', () =>
      appendSummary(summaryPath, renderCiComment(result, commentContext, JOB_SUMMARY_LIMIT)),
    );
  }
  if (context.outputPath) {
    const outputPath = context.outputPath;
    await log.attempt('write the step outputs', () =>
      appendOutputs(outputPath, outputsOf(result, commentContext.patch ? patchPath : '')),
    );
  }

  if (log.publishFailed && settings.strict) return Math.max(result.exitCode, EXIT.findings);
  return result.exitCode;
}

/** Workflow commands on stdout, and what publishing failed (it fails open: a warning each). */
class WorkflowLog {
  publishFailed = false;
  constructor(
    private readonly stdout: (text: string) => void,
    readonly stderr: (text: string) => void,
  ) {}

  command(name: string, message: string): void {
    this.stdout(`::${name}::${escapeData(message)}\n`);
  }

  async attempt(what: string, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.publishFailed = true;
      this.command('warning', `testloop could not ${what}: ${describe(error)}`);
    }
  }
}

async function runCiFromInputs(env: NodeJS.ProcessEnv, deps: ActionDeps, stderr: (text: string) => void) {
  const context = readGitHubContext(env);
  const settings = readInputs(env, context.workspace ?? process.cwd());
  withholdSecrets(env);
  settings.options.log = (line) => stderr(line.endsWith('\n') ? line : `${line}\n`);
  // GitHub's log viewer timestamps lines itself; one line per step keeps the log scannable.
  const progress = progressLines({ tty: false });
  settings.options.onStepStart = (name) => stderr(progress.start(name));
  settings.options.onStep = (step) => stderr(progress.end(step));
  const result = await deps.runCi(settings.options);
  return { context, settings, result };
}

/** The proposal pull request and the sticky comment, when the run is a pull request's and asks for them. */
async function publishToPullRequest(
  log: WorkflowLog,
  run: {
    context: GitHubContext;
    settings: ActionSettings;
    result: CiResult;
    commentContext: ReturnType<typeof commentContextOf>;
  },
  deps: ActionDeps,
): Promise<void> {
  const { context, settings, result, commentContext } = run;
  const pr = context.pullRequest;
  const client = context.token
    ? new GitHubClient({
        token: context.token,
        baseUrl: context.apiUrl,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        now: () => (deps.now?.() ?? new Date()).getTime(),
      })
    : undefined;
  const wantsApi = pr !== undefined && (settings.comment || settings.proposeTests);
  if (wantsApi && client === undefined) {
    log.publishFailed = true;
    log.command(
      'warning',
      'testloop has no GitHub token: set the github-token input (default: github.token) to comment',
    );
  }
  if (!pr || !client || !context.owner || !context.repo) return;
  const { owner, repo } = context;
  if (settings.proposeTests) {
    await log.attempt('propose the generated tests', async () => {
      const accepted = new Set(result.generate?.accepted.map((test) => test.testFile));
      const files = (commentContext.testFiles ?? []).filter((file) => accepted.has(file.path));
      const proposal = await proposeTests(client, {
        owner,
        repo,
        pullRequest: pr,
        files,
        ...(context.eventName ? { eventName: context.eventName } : {}),
      });
      if (proposal.status === 'refused')
        return log.command('notice', `Tests not proposed: ${proposal.reason}`);
      commentContext.proposal = proposal.pullRequest;
      log.command('notice', `Generated tests proposed in ${proposal.pullRequest.url}`);
    });
  }
  if (!settings.comment) return;
  const noComment = noCommentReason(result, { headIsFork: pr.headIsFork, eventName: context.eventName });
  if (noComment !== undefined) return log.command('notice', noComment);
  await log.attempt('comment on the pull request', async () => {
    const posted = await upsertStickyComment(client, {
      owner,
      repo,
      issueNumber: pr.number,
      body: renderCiComment(result, commentContext),
      marker: CI_COMMENT_MARKER,
    });
    log.stderr(`testloop: pull-request comment ${posted.action}: ${posted.url}\n`);
  });
}

export function outputsOf(result: CiResult, patchPath: string): Record<string, string> {
  const selection = result.selection;
  const selected =
    result.run?.testFiles ??
    (selection ? (selection.all ? selection.stats.totalTests : selection.tests.length) : 0);
  return {
    'selected-count': String(selected),
    'diff-coverage': result.gaps ? result.gaps.totals.percent.toFixed(2) : '',
    'accepted-tests': String(result.generate?.accepted.length ?? 0),
    'flaky-count': String(
      result.triage?.findings.filter((finding) => finding.verdict === 'flaky').length ?? 0,
    ),
    patch: patchPath,
  };
}

/** A SARIF file even without gaps (an empty run), so that a later upload-sarif step always finds one. */
function writeSarif(path: string, result: CiResult): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderCiGaps(result, 'sarif'), 'utf8');
}

function withholdSecrets(env: NodeJS.ProcessEnv): void {
  for (const name of SECRET_INPUTS) delete env[name];
}

function describe(error: unknown): string {
  if (isTestloopError(error)) return `${error.code}: ${error.message}`;
  return `internal error: ${(error as Error)?.message ?? String(error)}`;
}
