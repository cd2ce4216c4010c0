import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * A temp folder of the calling suite's own, made TMPDIR while it runs: what testloop leaves in the temp
 * folder is then this suite's alone to check, whatever other test files do at the same time. Call it
 * before the suite's own beforeAll; returns the folder.
 */
export function usePrivateTmpDir(prefix: string): string {
  const shared = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), prefix));
  beforeAll(() => {
    process.env.TMPDIR = dir;
  });
  afterAll(() => {
    if (shared === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = shared;
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
