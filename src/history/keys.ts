import { hash } from 'node:crypto';

/**
 * Row keys of tests and texts an ingest call has already looked up. Bounded: a report of millions of
 * distinct tests must not keep one entry per test, and a repeated key is nearly always a retry of the
 * same test or a text repeated by its neighbours, so starting over when full loses little.
 */
export class KeyCache<K> {
  readonly #keys = new Map<string, K>();
  #chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(text: string): K | undefined {
    return this.#keys.get(text);
  }

  set(text: string, key: K): void {
    if (this.#keys.size >= this.maxEntries || this.#chars + text.length > this.maxChars) {
      this.#keys.clear();
      this.#chars = 0;
    }
    this.#keys.set(text, key);
    this.#chars += text.length;
  }
}

/** The unique key of a stored text: SHA-1 of its UTF-8 bytes (identical in both stores). */
export function textHash(text: string): Buffer {
  return hash('sha1', text, 'buffer');
}

export const TEST_CACHE = { entries: 100_000, chars: 32 << 20 };
export const TEXT_CACHE = { entries: 20_000, chars: 32 << 20 };
