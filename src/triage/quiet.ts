import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietDetection } from './detect.ts';
import type { Finding } from './types.ts';

/**
 * Findings rendered and written together: about 30 KiB of JSON, so the strings stay in V8's young
 * generation and die there (larger ones go straight to the old generation, which is collected rarely
 * and lets the process grow by the size of the whole output).
 */
export const BATCH = 64;

/**
 * Findings rendered as JSON array content: the text between `[` and `]` of
 * `JSON.stringify({ findings }, null, 2)`, each finding indented as it is inside a triage result. Batches
 * joined with `,\n` are array content too; `JSON.parse(`[${batch}]`)` gives the findings back.
 */
export function renderBatch(findings: readonly Finding[]): string {
  const text = JSON.stringify({ findings }, null, 2);
  return text.slice('{\n  "findings": [\n'.length, text.length - '\n  ]\n}'.length);
}

export function parseBatch(batch: string): Finding[] {
  return JSON.parse(`[${batch}]`);
}

interface Bucket {
  fd: number;
  path: string;
  /** Rendered findings not written yet. */
  pending: string[];
  /** Byte range of each batch in the file. */
  starts: number[];
  ends: number[];
  bytes: number;
}

/** A quiet test: what its finding is built from. */
export interface QuietTest {
  testId: string;
  file: string;
  suite: string[];
  name: string;
}

/**
 * renderBatch([finding]) for the finding analyze.ts gives a quiet test that ran `runs` times
 * (quietDetection, no causes, zero impact), written out directly: millions of quiet findings are most of
 * a large triage's output, and JSON.stringify with indentation is its slowest part.
 */
export function renderQuiet(test: QuietTest, runs: number, owners: string[]): string {
  const detection = quietDetection(runs);
  const q = JSON.stringify;
  const list = (items: readonly string[]) =>
    items.length === 0 ? '[]' : `[\n${items.map((item) => `        ${q(item)}`).join(',\n')}\n      ]`;
  return `    {
      "testId": ${q(test.testId)},
      "verdict": "healthy",
      "runs": ${runs},
      "failures": 0,
      "flipRate": 0,
      "confidence": ${q(detection.confidence)},
      "causes": [],
      "impact": {
        "failedPipelines": 0,
        "minutesLost": 0,
        "failureRate": 0
      },${owners.length > 0 ? `\n      "owners": ${list(owners)},` : ''}
      "note": ${q(detection.note)},
      "file": ${q(test.file)},
      "suite": ${list(test.suite)},
      "name": ${q(test.name)}
    }`;
}

/**
 * The quiet findings of a triage (healthy, never failed, no impact), kept out of memory: they rank by
 * confidence, then test id, and arrive in test id order, so each confidence gets a temporary file that
 * they are appended to, rendered, in batches joined by `,\n`. Listing reads the files back, highest
 * confidence first: as bytes for the json format, or batch by batch.
 */
export class QuietFindings {
  #dir: string | undefined;
  readonly #buckets = new Map<number, Bucket>();
  count = 0;

  add(test: QuietTest, runs: number, owners: string[]): void {
    const confidence = quietDetection(runs).confidence;
    let bucket = this.#buckets.get(confidence);
    if (!bucket) {
      this.#dir ??= mkdtempSync(join(tmpdir(), 'testloop-triage-'));
      const path = join(this.#dir, `${this.#buckets.size}.json`);
      bucket = { fd: openSync(path, 'w+'), path, pending: [], starts: [], ends: [], bytes: 0 };
      this.#buckets.set(confidence, bucket);
    }
    bucket.pending.push(renderQuiet(test, runs, owners));
    this.count++;
    if (bucket.pending.length >= BATCH) this.#flush(bucket);
  }

  /** Writes what is pending; call once every finding is added. */
  finish(): void {
    for (const bucket of this.#buckets.values()) if (bucket.pending.length > 0) this.#flush(bucket);
  }

  /** The files in rank order, each as the bytes of JSON array content (in chunks). */
  *files(): Generator<AsyncIterable<Uint8Array>> {
    for (const bucket of this.#ordered()) {
      yield createReadStream('', { fd: bucket.fd, start: 0, autoClose: false, highWaterMark: 1 << 20 });
    }
  }

  /** Rendered batches (see renderBatch), in rank order. */
  *batches(): Generator<string> {
    for (const bucket of this.#ordered()) {
      for (const [i, start] of bucket.starts.entries()) {
        const buffer = Buffer.allocUnsafe(bucket.ends[i]! - start);
        readSync(bucket.fd, buffer, 0, buffer.length, start);
        yield buffer.toString('utf8');
      }
    }
  }

  close(): void {
    for (const bucket of this.#buckets.values()) closeSync(bucket.fd);
    this.#buckets.clear();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  #ordered(): Bucket[] {
    return [...this.#buckets].sort((a, b) => b[0] - a[0]).map(([, bucket]) => bucket);
  }

  #flush(bucket: Bucket): void {
    const joint = bucket.bytes === 0 ? 0 : 2;
    const data = Buffer.from(`${joint === 0 ? '' : ',\n'}${bucket.pending.join(',\n')}`);
    writeSync(bucket.fd, data, 0, data.length, bucket.bytes);
    bucket.starts.push(bucket.bytes + joint);
    bucket.bytes += data.length;
    bucket.ends.push(bucket.bytes);
    bucket.pending = [];
  }
}
