import { TestloopError } from '../errors.ts';
import { repositoryRoot } from '../git/base.ts';
import type { HistoryStore } from '../history/types.ts';
import { clientOf } from '../llm/endpoint.ts';
import type { LlmApi, LlmClient } from '../llm/types.ts';
import { analyze } from './analyze.ts';
import { loadCodeowners } from './codeowners.ts';
import type { ExplainHook } from './explain/hook.ts';
import { isFailure, type TestHistory, type TriageAttempt, type TriageThresholds } from './model.ts';
import type { QuietFindings } from './quiet.ts';
import { type TriageReport, triageReport } from './report.ts';
import type { Finding, TriageResult } from './types.ts';
import { analyzeWindow } from './window.ts';

export interface TriageOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Judge these attempts instead of reading the history store. */
  attempts?: Iterable<TriageAttempt> | AsyncIterable<TriageAttempt>;
  /** The store to read (default: openHistoryStore({ cwd, env, path: history }), closed afterwards). */
  store?: HistoryStore;
  /**
   * SQLite history file relative to cwd (default .testloop/history.db). Read only: a missing file is
   * never created (TESTLOOP_NO_HISTORY when named here, an empty history when the default is missing).
   */
  history?: string;
  /** The most recent runs to read (default 200). */
  runs?: number;
  branch?: string;
  /** Rerun each suspect this many times alone and this many times shuffled with its file. */
  rerun?: number;
  maxSuspects?: number;
  /** CODEOWNERS path relative to the repository root (default: .github/, root, docs/), or false. */
  codeowners?: string | false;
  thresholds?: Partial<TriageThresholds>;
  /**
   * `true`, as `--explain`: the top findings by impact go to the model `baseUrl` and `model` name, with
   * their evidence and source; its causes join the rules' (see explain/model.ts). A function: an
   * explanation per finding (see explain/hook.ts).
   */
  explain?: boolean | ExplainHook;
  /** How many findings `explain: true` asks the model about (default 5). */
  explainTop?: number;
  /** The endpoint `explain: true` asks: OpenAI-compatible, including /v1. */
  baseUrl?: string;
  /**
   * The model name `explain: true` asks; or, the older spelling of explain with a model, a ready client
   * and how many findings to ask about.
   */
  model?: string | { client: LlmClient; top?: number };
  /** 'chat' (Chat Completions, default) or 'responses'. */
  api?: LlmApi;
  /** Longest single model request, a duration such as `5m`. */
  llmTimeout?: string;
  maxExplained?: number;
  /** Progress and warnings, one line each. */
  log?: (line: string) => void;
}

export const DEFAULT_TRIAGE_RUNS = 200;

/**
 * `testloop triage` as a library call: reads the latest runs from the history store (or takes attempts),
 * sets outage runs aside, calls each test flaky, broken or healthy with evidence and ranked causes,
 * ranks by impact, adds owners from CODEOWNERS, and optionally confirms suspects by rerunning them.
 * Every finding is in memory at the end; openTriage lists them one at a time.
 */
export async function triage(options: TriageOptions = {}): Promise<TriageResult> {
  const started = performance.now();
  const report = await openTriage(options);
  try {
    const findings: Finding[] = [];
    for await (const finding of report.findings()) findings.push(finding);
    return { findings, stats: { ...report.result.stats, ms: Math.round(performance.now() - started) } };
  } finally {
    await report.close();
  }
}

/**
 * triage() for histories of any size: a store is read in passes (window.ts) and the findings of quiet
 * tests stay in the store until listed, so memory follows the failures, not the history. With `attempts`
 * or an `explain` hook, everything is read into memory first (the hook looks at each test's failures).
 */
export async function openTriage(options: TriageOptions = {}): Promise<TriageReport> {
  const client = options.explain === true ? await explainClient(options) : undefined;
  try {
    return await openReady({
      ...options,
      explain: typeof options.explain === 'function' ? options.explain : undefined,
      model:
        client === undefined
          ? typeof options.model === 'object'
            ? options.model
            : undefined
          : { client, ...(options.explainTop === undefined ? {} : { top: options.explainTop }) },
    });
  } finally {
    await client?.close();
  }
}

/** The options once `explain` is a hook or nothing and `model` a ready client or nothing. */
type ReadyOptions = TriageOptions & { explain?: ExplainHook; model?: { client: LlmClient; top?: number } };

/** The client `explain: true` asks: the endpoint and model name the options give. */
async function explainClient(options: TriageOptions): Promise<LlmClient> {
  const { baseUrl, model, api, llmTimeout } = options;
  const client =
    typeof model === 'string'
      ? await clientOf({ baseUrl, model, api, llmTimeout }, options.env ?? process.env)
      : undefined;
  if (client === undefined)
    throw new TestloopError('TESTLOOP_USAGE', 'explain needs a model: set baseUrl and model');
  return client;
}

async function openReady(options: ReadyOptions): Promise<TriageReport> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? (() => {});
  const root = await repositoryRoot(cwd).catch(() => cwd);
  const owners = options.codeowners === false ? [] : await loadCodeowners(root, options.codeowners);
  const analyzeOptions = { owners, ...(options.thresholds ? { thresholds: options.thresholds } : {}) };
  let result: TriageResult;
  let quiet: QuietFindings | undefined;
  let histories: Map<string, TestHistory> | undefined;
  if (options.attempts || options.explain || options.model) {
    const analysis = analyze(await collect(options, cwd), analyzeOptions);
    histories = analysis.histories;
    result = analysis.result;
  } else {
    ({ result, quiet } = await withStore(options, cwd, async (store) => {
      const window = await store.openWindow(windowQuery(options));
      try {
        return await analyzeWindow(window, analyzeOptions);
      } finally {
        await window.close();
      }
    }));
  }
  try {
    if (options.rerun !== undefined && options.rerun > 0) {
      const { rerunSuspects } = await import('./rerun.ts');
      result = await rerunSuspects(result, {
        cwd,
        times: options.rerun,
        log,
        ...(options.maxSuspects === undefined ? {} : { maxSuspects: options.maxSuspects }),
      });
    }
    if (options.explain && histories)
      result = await explainAll(result, histories, options.explain, options.maxExplained ?? 10, log);
    if (options.model && histories) {
      const { explainWithModel } = await import('./explain/model.ts');
      result = await explainWithModel(result, histories, {
        client: options.model.client,
        root,
        log,
        ...(options.model.top === undefined ? {} : { top: options.model.top }),
      });
    }
  } catch (error) {
    quiet?.close();
    throw error;
  }
  return triageReport(
    { ...result, stats: { ...result.stats, ms: Math.round(performance.now() - started) } },
    quiet,
  );
}

function windowQuery(options: TriageOptions): { runs: number; branch?: string } {
  return {
    runs: options.runs ?? DEFAULT_TRIAGE_RUNS,
    ...(options.branch === undefined ? {} : { branch: options.branch }),
  };
}

/** Runs `work` on the given store, or on one opened (and closed) here. */
async function withStore<T>(
  options: TriageOptions,
  cwd: string,
  work: (store: HistoryStore) => Promise<T>,
): Promise<T> {
  if (options.store) return work(options.store);
  const { openHistoryStore } = await import('../history/open.ts');
  const store = await openHistoryStore({
    cwd,
    env: options.env ?? process.env,
    ...(options.history === undefined ? {} : { path: options.history }),
    readOnly: true,
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function collect(options: TriageOptions, cwd: string): Promise<TriageAttempt[]> {
  const out: TriageAttempt[] = [];
  if (options.attempts) {
    for await (const attempt of options.attempts) out.push(attempt);
    return out;
  }
  const { openHistoryStore } = await import('../history/open.ts');
  const store =
    options.store ??
    (await openHistoryStore({
      cwd,
      env: options.env ?? process.env,
      ...(options.history === undefined ? {} : { path: options.history }),
      readOnly: true,
    }));
  try {
    for await (const attempt of store.recentAttempts(windowQuery(options))) out.push(attempt);
  } finally {
    if (!options.store) await store.close();
  }
  return out;
}

async function explainAll(
  result: TriageResult,
  histories: ReadonlyMap<string, TestHistory>,
  explain: ExplainHook,
  max: number,
  log: (line: string) => void,
): Promise<TriageResult> {
  const findings: Finding[] = [];
  let asked = 0;
  for (const finding of result.findings) {
    if (finding.verdict === 'healthy' || asked >= max) {
      findings.push(finding);
      continue;
    }
    asked++;
    const failures = (histories.get(finding.testId)?.executions ?? [])
      .flatMap((e) => e.attempts.filter((a) => isFailure(a.status)))
      .slice(-5);
    try {
      const explanation = await explain(finding, { failures });
      findings.push(explanation ? { ...finding, explanation } : finding);
    } catch (error) {
      log(
        `testloop: warning: explain hook failed for ${finding.testId}: ${(error as Error)?.message ?? error}`,
      );
      findings.push(finding);
    }
  }
  return { ...result, findings };
}
