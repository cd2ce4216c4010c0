import { mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What is still to remove, in creation order; emptied on process exit, so a crash between writing and
 * cleaning up leaves nothing behind. Temp trees go recursively; folders made inside the repository go
 * only when empty.
 */
const pending = new Map<string, 'tree' | 'file' | 'dir'>();
let exitHookInstalled = false;

export function track(path: string, kind: 'tree' | 'file' | 'dir'): void {
  if (!exitHookInstalled) {
    process.once('exit', removeLeftovers);
    exitHookInstalled = true;
  }
  pending.set(path, kind);
}

export function removeNow(path: string, kind: 'tree' | 'file' | 'dir'): void {
  try {
    if (kind === 'dir') rmdirSync(path);
    else rmSync(path, { recursive: kind === 'tree', force: true });
  } catch {
    // A folder someone else now uses, or already gone.
  }
  pending.delete(path);
}

/** Removes every scratch file and temp folder not yet removed (runs on process exit). */
export function removeLeftovers(): void {
  for (const [path, kind] of [...pending].reverse()) removeNow(path, kind);
}

export interface TempPath {
  path: string;
  remove(): void;
}

/** A fresh folder under `parent` (default os.tmpdir()), removed by `remove()` or at process exit. */
export function makeTempDir(prefix: string, parent = tmpdir()): TempPath {
  const path = mkdtempSync(join(parent, prefix));
  track(path, 'tree');
  return { path, remove: () => removeNow(path, 'tree') };
}
