import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Each test file gets a temp folder of its own, made TMPDIR before the file loads: the folders it makes
 * (and the runners, git and CLI processes it starts, which inherit TMPDIR) are then its alone, whatever
 * files run beside it or before it, and whatever it leaves behind is removed with it. Each file runs in
 * a process of its own (pool 'forks', isolated), so setting the environment here touches no other file.
 */
const shared = process.env.TMPDIR;
const own = mkdtempSync(join(tmpdir(), 'testloop-suite-'));
// Open like /tmp itself (mkdtemp makes 0700): a test cluster that runs as the `postgres` user, or a
// sandboxed process under another user, must reach the folders made in here.
chmodSync(own, 0o1777);
process.env.TMPDIR = own;

const remove = () => rmSync(own, { recursive: true, force: true, maxRetries: 3 });
afterAll(() => {
  if (shared === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = shared;
  remove();
});
// A file that fails to load runs no afterAll: its folder goes when its process ends.
process.once('exit', remove);
