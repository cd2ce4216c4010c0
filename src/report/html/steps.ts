import type { CiResult, CiStep, CiStepName } from '../../ci/types.ts';
import { esc, text } from './escape.ts';

function stepOf(result: CiResult, name: CiStepName): CiStep | undefined {
  return result.steps.find((step) => step.name === name);
}

/** Why a view has no data: the first of its steps that did not finish, in one line. */
function whyMissing(result: CiResult, names: readonly CiStepName[]): { status: string; detail: string } {
  for (const name of names) {
    const step = stepOf(result, name);
    if (!step) return { status: 'off', detail: `the ${name} step is not part of this run` };
    if (step.status !== 'ok') {
      const code = step.code ? ` (${step.code})` : '';
      return {
        status: step.status,
        detail: `${name} ${label(step.status)}${code}: ${step.detail ?? 'no detail'}`,
      };
    }
  }
  const last = names[names.length - 1]!;
  return { status: 'ok', detail: `the ${last} step finished without a result` };
}

function label(status: CiStep['status']): string {
  return status === 'timedOut' ? 'timed out' : status;
}

/** The panel a view shows instead of its data: always says why, never an empty view. */
export function notRunPanel(result: CiResult, names: readonly CiStepName[]): string {
  const why = whyMissing(result, names);
  return `<div class="panel not-run" data-status="${esc(why.status)}"><strong>not run:</strong> ${text(why.detail, 1000)}</div>`;
}

/** A step that did not finish although some of its data is there (partial result, timeout). */
export function stepWarning(result: CiResult, name: CiStepName): string {
  const step = stepOf(result, name);
  if (!step || step.status === 'ok') return '';
  const code = step.code ? ` (${step.code})` : '';
  return `<div class="panel warn">${esc(name)} ${esc(label(step.status))}${esc(code)}: ${text(step.detail ?? 'no detail', 1000)}</div>`;
}

export function statusBadge(status: string): string {
  const known = ['ok', 'off', 'skipped', 'failed', 'timedOut', 'passed', 'flaky', 'broken', 'healthy'];
  const tone = known.includes(status) ? status : 'unknown';
  return `<span class="badge ${tone}">${esc(status === 'timedOut' ? 'timed out' : status)}</span>`;
}
