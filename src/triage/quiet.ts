import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from './types.ts';

/** Findings rendered and written together; a batch is a few hundred KiB of JSON. */
const BATCH = 256;
const SEPARATOR = '\u0000';

/**
 * Findings rendered as JSON array content: the text between `[` and `]` of
 * `JSON.stringify({ findings }, null, 2)`, each finding indented as it is inside a triage result. The
 * json format joins batches with `,\n`; `JSON.parse(`[${batch}]`)` gives the findings back.
 */
export function renderBatch(findings: readonly Finding[]): string {
  const text = JSON.stringify({ findings }, null, 2);
  return text.slice('{\n  "findings": [\n'.length, text.length - '\n  ]\n}'.length);
}

export function parseBatch(batch: string): Finding[] {
  return JSON.parse(`[${batch}]`);
}

/**
 * The quiet findings of a triage (healthy, never failed, no impact), kept out of memory: they rank by
 * confidence, then test id, and arrive in test id order, so each confidence gets a temporary file that
 * they are appended to, rendered, in batches. Listing reads the files back, highest confidence first.
 * NUL separates batches: JSON never contains one unescaped.
 */
export class QuietFindings {
  #dir: string | undefined;
  readonly #buckets = new Map<number, { fd: number; path: string; pending: Finding[] }>();
  count = 0;

  add(finding: Finding): void {
    let bucket = this.#buckets.get(finding.confidence);
    if (!bucket) {
      this.#dir ??= mkdtempSync(join(tmpdir(), 'testloop-triage-'));
      const path = join(this.#dir, `${this.#buckets.size}.json`);
      bucket = { fd: openSync(path, 'w'), path, pending: [] };
      this.#buckets.set(finding.confidence, bucket);
    }
    bucket.pending.push(finding);
    this.count++;
    if (bucket.pending.length >= BATCH) this.#flush(bucket);
  }

  /** Writes what is pending; call once every finding is added. */
  finish(): void {
    for (const bucket of this.#buckets.values()) {
      if (bucket.pending.length > 0) this.#flush(bucket);
      closeSync(bucket.fd);
      bucket.fd = -1;
    }
  }

  /** Rendered batches (see renderBatch), in rank order. */
  async *batches(): AsyncGenerator<string> {
    const order = [...this.#buckets.keys()].sort((a, b) => b - a);
    for (const confidence of order) {
      let rest = '';
      const stream = createReadStream(this.#buckets.get(confidence)!.path, {
        encoding: 'utf8',
        highWaterMark: 1 << 20,
      });
      for await (const chunk of stream) {
        const parts = (rest + chunk).split(SEPARATOR);
        rest = parts.pop()!;
        yield* parts;
      }
    }
  }

  close(): void {
    for (const bucket of this.#buckets.values()) if (bucket.fd >= 0) closeSync(bucket.fd);
    this.#buckets.clear();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  #flush(bucket: { fd: number; pending: Finding[] }): void {
    writeSync(bucket.fd, renderBatch(bucket.pending) + SEPARATOR);
    bucket.pending = [];
  }
}
