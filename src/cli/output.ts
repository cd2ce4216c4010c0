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

/** "json", "sarif:out/gaps.sarif" → targets; at most one may go to stdout, so stdout stays parseable. */
export function parseFormats(formats: readonly string[] | undefined, env: NodeJS.ProcessEnv): OutputTarget[] {
  const list =
    formats && formats.length > 0 ? formats : env.GITHUB_ACTIONS === 'true' ? ['text', 'github'] : ['text'];
  const targets = list.map((value) => {
    const colon = value.indexOf(':');
    const kind = colon === -1 ? value : value.slice(0, colon);
    const path = colon === -1 ? undefined : value.slice(colon + 1);
    if (!reporterByName(kind)) {
      throw new TestloopError(
        'TESTLOOP_USAGE',
        `--format ${value}: unknown format "${kind}". Use one of ${gapsReporters.map((r) => r.name).join(', ')}, optionally as kind:path`,
      );
    }
    if (path === '')
      throw new TestloopError('TESTLOOP_USAGE', `--format ${value}: empty path. Write ${kind}:<file>`);
    return path === undefined ? { kind } : { kind, path };
  });
  const toStdout = targets.filter((t) => t.path === undefined && t.kind !== 'github');
  if (toStdout.length > 1) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `--format: ${toStdout.map((t) => t.kind).join(' and ')} would both go to stdout. Send all but one to a file with kind:path`,
    );
  }
  return targets;
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
