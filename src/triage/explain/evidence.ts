import type { TriageAttempt } from '../model.ts';

/** One numbered piece of evidence a model may cite: an attempt (`E2`) and its lines (`E2.L3`). */
export interface EvidenceItem {
  id: string;
  /** What the attempt was: run, job, time, duration and status. */
  header: string;
  lines: string[];
}

const MAX_LINES = 30;

/** The failed attempts as numbered evidence, oldest first; message, then stack, then output lines. */
export function numberEvidence(failures: readonly TriageAttempt[]): EvidenceItem[] {
  return failures.map((attempt, i) => {
    const text = [attempt.message, attempt.stack, attempt.output].filter(Boolean).join('\n');
    const lines = text
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line.trim() !== '')
      .slice(0, MAX_LINES);
    const where = [`run ${attempt.runId}#${attempt.attempt}`, attempt.job, attempt.startedAt]
      .filter(Boolean)
      .join(' · ');
    return {
      id: `E${i + 1}`,
      header: `${where} · ${attempt.durationMs} ms · ${attempt.status}${attempt.retry > 0 ? ` (retry ${attempt.retry})` : ''}`,
      lines,
    };
  });
}

export function renderEvidence(items: readonly EvidenceItem[]): string {
  return items
    .map((item) =>
      [`${item.id}: ${item.header}`, ...item.lines.map((line, j) => `${item.id}.L${j + 1}: ${line}`)].join(
        '\n',
      ),
    )
    .join('\n\n');
}

/** The verbatim text behind an id, or undefined for an id that names nothing. */
export function citedText(items: readonly EvidenceItem[], id: string): string | undefined {
  const match = /^E(\d+)(?:\.L(\d+))?$/.exec(id.trim());
  if (!match) return undefined;
  const item = items[Number(match[1]) - 1];
  if (!item) return undefined;
  if (match[2] === undefined) return `${item.id}: ${item.header}`;
  return item.lines[Number(match[2]) - 1];
}
