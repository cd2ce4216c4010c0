import type { CiStep, CiStepName } from './types.ts';

const MARKS: Record<CiStep['status'], string> = {
  ok: '✓',
  off: '-',
  skipped: '»',
  failed: '✗',
  timedOut: '⧗',
};

/**
 * Progress of `testloop ci`, one line per step with its elapsed time: on a terminal a short aligned line,
 * in CI logs (or when not a terminal) a plain line with an ISO timestamp, which log viewers keep in order.
 */
export function progressLines(options: { tty: boolean; now?: () => Date }): {
  start(name: CiStepName): string;
  end(step: CiStep): string;
} {
  const now = options.now ?? (() => new Date());
  if (options.tty) {
    return {
      start: (name) => `  … ${name}\n`,
      end: (step) =>
        `  ${MARKS[step.status]} ${step.name.padEnd(9)}${seconds(step.ms).padStart(7)}  ${label(step)}\n`,
    };
  }
  return {
    start: (name) => `${now().toISOString()} testloop ci: ${name} started\n`,
    end: (step) =>
      `${now().toISOString()} testloop ci: ${step.name} ${step.status} in ${seconds(step.ms)}${
        step.detail ? ` — ${step.detail}` : ''
      }\n`,
  };
}

function label(step: CiStep): string {
  const text = step.status === 'ok' ? (step.detail ?? '') : `${step.status}: ${step.detail ?? ''}`;
  return step.code ? `${text} (${step.code})` : text;
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
