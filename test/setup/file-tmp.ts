import { appendFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';

/**
 * Each test file gets a temp folder of its own, made TMPDIR before the file loads: the folders it makes
 * (and the runners, git and CLI processes it starts, which inherit TMPDIR) are then its alone, whatever
 * files run beside it or before it, and whatever it leaves behind is removed with it. Files of one worker
 * process run one after another (vitest.config.ts), and TMPDIR is put back when a file ends, so the next
 * file starts from the environment the worker began with.
 */
const shared = process.env.TMPDIR;
const own = mkdtempSync(join(tmpdir(), 'testloop-suite-'));
// Open like /tmp itself (mkdtemp makes 0700): a test cluster that runs as the `postgres` user, or a
// sandboxed process under another user, must reach the folders made in here.
chmodSync(own, 0o1777);
process.env.TMPDIR = own;
// scripts/suite-cpu.js counts the processes a file starts for that file: they run in its folder.
if (process.env.TESTLOOP_SUITE_FOLDERS)
  appendFileSync(process.env.TESTLOOP_SUITE_FOLDERS, `${own}\t${expect.getState().testPath}\n`);

const remove = (dir: string) => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
// A file that fails to load runs no afterAll: its folder goes when the worker process ends.
const folders = workerFolders();
folders.add(own);
afterAll(() => {
  if (shared === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = shared;
  remove(own);
  folders.delete(own);
});

/**
 * The suite folders of this worker process still to be removed: one set, and one pair of listeners, for
 * all the files the process runs (this module loads again for each).
 */
function workerFolders(): Set<string> {
  const key = Symbol.for('testloop.suite.tmp-folders');
  const store = globalThis as { [key]?: Set<string> };
  if (!store[key]) {
    const created = new Set<string>();
    const removeAll = () => {
      for (const dir of created) remove(dir);
      created.clear();
    };
    process.once('exit', removeAll);
    // vitest ends its worker processes with SIGTERM, which runs no exit listener: remove the folders, then
    // let the signal end the process as it would have.
    process.once('SIGTERM', () => {
      removeAll();
      process.kill(process.pid, 'SIGTERM');
    });
    store[key] = created;
  }
  return store[key];
}
