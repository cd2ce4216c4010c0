/** The files a step talks to the runner through: $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY. */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { TestloopError } from '../../errors.ts';
import { JOB_SUMMARY_LIMIT } from '../../report/github.ts';

/**
 * Step outputs in the runner's heredoc form (`name<<DELIMITER`, value, `DELIMITER`), which holds any value,
 * multi-line included, as long as the delimiter appears in neither: a fresh random one guarantees that.
 */
function formatOutputs(outputs: Record<string, string>, delimiter = `ghadelimiter_${randomUUID()}`): string {
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    if (name.includes(delimiter) || value.includes(delimiter)) {
      throw new TestloopError(
        'TESTLOOP_OUTPUT',
        `output ${name}: its value contains the delimiter ${delimiter}`,
      );
    }
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  return text;
}

export function appendOutputs(path: string, outputs: Record<string, string>): void {
  appendFileSync(path, formatOutputs(outputs), 'utf8');
}

/** Appends the job summary; the caller renders it within JOB_SUMMARY_LIMIT bytes, checked again here. */
export function appendSummary(path: string, markdown: string): void {
  if (Buffer.byteLength(markdown, 'utf8') > JOB_SUMMARY_LIMIT) {
    throw new TestloopError(
      'TESTLOOP_OUTPUT',
      `the job summary is over GitHub's ${JOB_SUMMARY_LIMIT} bytes; it was not written`,
    );
  }
  appendFileSync(path, markdown, 'utf8');
}
