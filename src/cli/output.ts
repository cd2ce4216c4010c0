import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TestloopError } from '../errors.ts';
import type { GapsResult } from '../gaps/types.ts';
import { renderJobSummary } from '../report/github.ts';
import { gapsReporters, reporterByName } from '../report/index.ts';
import type { ReportContext } from '../report/types.ts';
import { writeFileAtomic } from '../util/fs.ts';

export interface OutputTarget {
  kind: string;
  /** undefined: standard output. */
  path?: string;
}

/**
 * "json", "sarif:out/gaps.sarif" → targets, for any command's formats. At most one goes to stdout, so
 * stdout stays parseable; `sideChannels` (GitHub workflow commands) may share it.
 */
export function parseFormatTargets<K extends string>(
  formats: readonly string[],
  known: readonly K[],
  sideChannels: readonly string[] = [],
): { kind: K; path?: string }[] {
  const targets = formats.map((value) => {
    const colon = value.indexOf(':');
    const kind = (colon === -1 ? value : value.slice(0, colon)) as K;
    const path = colon === -1 ? undefined : value.slice(colon + 1);
    if (!known.includes(kind)) {
      throw new TestloopError(
        'TESTLOOP_USAGE',
        `--format ${value}: unknown format "${kind}". Use one of ${known.join(', ')}, optionally as kind:path`,
      );
    }
    if (path === '')
      throw new TestloopError('TESTLOOP_USAGE', `--format ${value}: empty path. Write ${kind}:<file>`);
    return path === undefined ? { kind } : { kind, path };
  });
  const toStdout = targets.filter((t) => t.path === undefined && !sideChannels.includes(t.kind));
  if (toStdout.length > 1) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `--format: ${toStdout.map((t) => t.kind).join(' and ')} would both go to stdout. Send all but one to a file with kind:path`,
    );
  }
  return targets;
}

/** gaps: text by default, plus GitHub annotations when running on GitHub Actions. */
export function parseFormats(formats: readonly string[] | undefined, env: NodeJS.ProcessEnv): OutputTarget[] {
  const list =
    formats && formats.length > 0 ? formats : env.GITHUB_ACTIONS === 'true' ? ['text', 'github'] : ['text'];
  return parseFormatTargets(
    list,
    gapsReporters.map((r) => r.name),
    ['github'],
  );
}

/** Renders every output first and writes only when all rendered, so a failure leaves no partial set. */
export async function writeOutputs(
  result: GapsResult,
  targets: readonly OutputTarget[],
  context: ReportContext,
  cwd: string,
  env: NodeJS.ProcessEnv,
  stdout: (text: string) => void,
): Promise<void> {
  const rendered = targets.map((target) => ({
    target,
    text: reporterByName(target.kind)!.render(result, context),
  }));
  for (const { target, text } of rendered) {
    if (target.path === undefined) stdout(text);
    else await writeFileAtomic(resolve(cwd, target.path), text);
  }
  if (targets.some((t) => t.kind === 'github') && env.GITHUB_STEP_SUMMARY) {
    await appendFile(env.GITHUB_STEP_SUMMARY, renderJobSummary(result, context));
  }
}

export function useColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}
