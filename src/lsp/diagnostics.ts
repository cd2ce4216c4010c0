import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import { gapsOf } from '../gaps/compute.ts';
import type { FileGaps, Gap } from '../gaps/types.ts';

export const SOURCE = 'testloop';

/** The gaps of one file as Hint diagnostics: each says what of the change no test runs. */
export function gapDiagnostics(gaps: FileGaps, lineLength: (line: number) => number): Diagnostic[] {
  return gapsOf(gaps).map((gap) => ({
    severity: DiagnosticSeverity.Hint,
    source: SOURCE,
    code: `uncovered-${gap.kind}`,
    // LSP lines count from 0; the whole of each line, so the hint shows wherever the cursor is on it.
    range: {
      start: { line: gap.start - 1, character: 0 },
      end: { line: gap.end - 1, character: lineLength(gap.end - 1) },
    },
    message: messageOf(gap),
  }));
}

function messageOf(gap: Gap): string {
  const lines = gap.start === gap.end ? `line ${gap.start}` : `lines ${gap.start}-${gap.end}`;
  if (gap.kind === 'function') return `Not covered: function ${gap.symbol} (${gap.reason})`;
  if (gap.kind === 'branch') return `Not covered: branch on line ${gap.start} (${gap.reason})`;
  return `Not covered: ${lines} (${gap.reason})`;
}
