import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TokenUsage } from './types.ts';

export interface CacheEntry {
  text: string;
  usage: TokenUsage;
}

export interface CacheKeyParts {
  baseUrl: string;
  model: string;
  api: string;
  system: string;
  user: string;
  schema: string | undefined;
}

/** sha256 over everything that decides the reply; the key itself is never part of it. */
export function cacheKey(parts: CacheKeyParts): string {
  const material = JSON.stringify([
    1,
    parts.baseUrl,
    parts.model,
    parts.api,
    parts.system,
    parts.user,
    parts.schema,
  ]);
  return createHash('sha256').update(material).digest('hex');
}

/** One JSON file per reply. A cache that cannot be read or written is a miss, never a failure. */
export class ResponseCache {
  constructor(private readonly dir: string) {}

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.path(key), 'utf8')) as Partial<CacheEntry>;
      if (typeof entry.text !== 'string' || typeof entry.usage?.promptTokens !== 'number') return undefined;
      return { text: entry.text, usage: entry.usage };
    } catch {
      return undefined;
    }
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const path = this.path(key);
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(temp, JSON.stringify(entry));
      await rename(temp, path);
    } catch {
      await rm(temp, { force: true }).catch(() => {});
    }
  }

  private path(key: string): string {
    return join(this.dir, `${key}.json`);
  }
}
