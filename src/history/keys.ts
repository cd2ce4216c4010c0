import { hash } from 'node:crypto';

/**
 * Row keys of tests and texts an ingest call has already looked up. Bounded: a report of millions of
 * distinct tests must not keep one entry per test, and a repeated key is nearly always a retry of the
 * same test or a text repeated by its neighbours, so starting over when full loses little. Every text
 * read from a report is a new string, which a Map hashes in full on each lookup: long ones are looked up
 * by a sample of their characters instead.
 */
export class KeyCache<K> {
  readonly #short = new Map<string, K>();
  /** Long texts by a hash of a sample of their characters (see sampleHash), compared whole on a hit. */
  readonly #long = new Map<number, [string, K][]>();
  #entries = 0;
  #chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(text: string): K | undefined {
    if (text.length < LONG) return this.#short.get(text);
    const bucket = this.#long.get(sampleHash(text));
    if (bucket) for (const [known, key] of bucket) if (known === text) return key;
    return undefined;
  }

  set(text: string, key: K): void {
    if (this.#entries >= this.maxEntries || this.#chars + text.length > this.maxChars) {
      this.#short.clear();
      this.#long.clear();
      this.#entries = 0;
      this.#chars = 0;
    }
    if (text.length < LONG) this.#short.set(text, key);
    else {
      const hash = sampleHash(text);
      const bucket = this.#long.get(hash);
      if (!bucket) this.#long.set(hash, [[text, key]]);
      // Texts alike in every sampled character (a stack differing in one line number) share a bucket;
      // past a few, the newest is simply not kept.
      else if (bucket.length < 8) bucket.push([text, key]);
      else return;
    }
    this.#entries++;
    this.#chars += text.length;
  }
}

/** From this length a Map's own hash (every character, on each new string) costs more than sampling. */
const LONG = 256;

/** Length and 32 characters spread over the text: far cheaper than hashing a stack trace whole. */
function sampleHash(text: string): number {
  let hash = text.length;
  const step = text.length >>> 5;
  for (let i = 0; i < text.length; i += step) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** The unique key of a stored text: SHA-1 of its UTF-8 bytes (identical in both stores). */
export function textHash(text: string): Buffer {
  return hash('sha1', text, 'buffer');
}

export const TEXT_CACHE = { entries: 20_000, chars: 32 << 20 };
