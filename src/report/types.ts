import type { GapsResult } from '../gaps/types.ts';

export interface ReportContext {
  /** Colors on (TTY and no NO_COLOR, or FORCE_COLOR). */
  color: boolean;
  failUnder?: number;
  /** For links in markdown/summary: https://github.com/owner/repo and the head commit. */
  repositoryUrl?: string;
  commit?: string;
  /** Tool version for machine-readable outputs (SARIF); defaults to this package's version. */
  toolVersion?: string;
}

/** Turns a result into one output format. Pure: returns the text, writes nothing. */
export interface GapsReporter {
  name: string;
  render(result: GapsResult, context: ReportContext): string;
}
