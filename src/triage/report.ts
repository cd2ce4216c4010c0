import { BATCH, parseBatch, type QuietFindings, renderBatch } from './quiet.ts';
import { compareFindings } from './rank.ts';
import type { Finding, TriageResult } from './types.ts';

/** JSON array content: text, or UTF-8 bytes read in chunks. */
export type JsonPart = string | AsyncIterable<Uint8Array>;

/** A triage whose quiet findings (see QuietFindings) stay out of memory until they are listed. */
export interface TriageReport {
  /** Every finding except the quiet ones, ranked, and the stats of the whole triage. */
  result: TriageResult;
  /** How many quiet findings the listings add to `result.findings`. */
  quiet: number;
  /** Every finding in rank order. */
  findings(): AsyncIterable<Finding>;
  /**
   * Every finding in rank order as JSON array content (see renderBatch), in parts to be joined by
   * `,\n`: what the json format writes. Quiet findings come as the bytes of their files, one part each.
   */
  jsonBatches(): AsyncIterable<JsonPart>;
  /** Deletes the quiet findings' files. */
  close(): Promise<void>;
}

/**
 * Lists `result.findings` and the quiet ones in rank order. Quiet findings rank after every finding
 * with an impact or another verdict; healthy findings of zero impact that did fail (rare) rank among
 * them by confidence and test id, and are merged in one by one.
 */
export function triageReport(result: TriageResult, quiet?: QuietFindings): TriageReport {
  const amongQuiet = (f: Finding) =>
    f.verdict === 'healthy' &&
    f.impact.failedPipelines === 0 &&
    f.impact.minutesLost === 0 &&
    f.impact.failureRate === 0;
  const lead = result.findings.filter((f) => !amongQuiet(f));
  const mixed = result.findings.filter(amongQuiet);
  async function* merged(): AsyncGenerator<Finding[]> {
    let next = 0;
    if (quiet) {
      for (const batch of quiet.batches()) {
        const out: Finding[] = [];
        for (const f of parseBatch(batch)) {
          while (next < mixed.length && compareFindings(mixed[next]!, f) < 0) out.push(mixed[next++]!);
          out.push(f);
        }
        yield out;
      }
    }
    if (next < mixed.length) yield mixed.slice(next);
  }
  return {
    result,
    quiet: quiet?.count ?? 0,
    async *findings() {
      yield* lead;
      for await (const batch of merged()) yield* batch;
    },
    async *jsonBatches() {
      for (let at = 0; at < lead.length; at += BATCH) yield renderBatch(lead.slice(at, at + BATCH));
      // Without findings to merge in, the quiet batches are written as they were rendered.
      if (mixed.length === 0) {
        if (quiet) yield* quiet.files();
        return;
      }
      for await (const batch of merged()) if (batch.length > 0) yield renderBatch(batch);
    },
    async close() {
      quiet?.close();
    },
  };
}
