// Can this machine confine untrusted code with namespaces? Asked once per process, by running the real setup
// script (./namespace.ts) around a shell that checks what it promises: a writable tree, and a read-only
// everything else. Where unprivileged user
// namespaces are off (some kernels, containers, AppArmor on Ubuntu 24.04), the answer says why.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confinedArgv } from './namespace.ts';

export type ProbeResult = { namespaces: true } | { namespaces: false; reason: string };

let cached: ProbeResult | undefined;

/**
 * Runs inside the setup: the tree takes a write, a folder outside it refuses one. (The loopback is up or
 * the setup fails; that it listens and connects is tested in test/sandbox/.)
 */
const CHECK = 'echo ok > "$1" && ! (echo escaped > "$2") 2>/dev/null';

/** Whether namespaces work here (cached for the process). */
export function probeNamespaces(): ProbeResult {
  cached ??= probe();
  return cached;
}

function probe(): ProbeResult {
  if (process.platform !== 'linux')
    return { namespaces: false, reason: `not available on ${process.platform}` };
  const base = mkdtempSync(join(tmpdir(), 'testloop-probe-'));
  try {
    const dirs = ['tree', 'out', 'tmp', 'home'].map((name) => join(base, name));
    for (const dir of dirs) mkdirSync(dir);
    const [tree, out, tmp, home] = dirs as [string, string, string, string];
    const argv = confinedArgv(['sh', '-c', CHECK, 'sh', join(tree, 'w'), join(base, 'outside')], {
      writable: [tree, out],
      scratch: [tmp, home],
      hiddenDirs: [],
      hiddenFiles: [],
      isolateNetwork: true,
      fileSizeBytes: 1 << 20,
      tmpBytes: 1 << 20,
    });
    const result = spawnSync(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      timeout: 15_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    if (result.error) return { namespaces: false, reason: `unshare: ${result.error.message}` };
    if (result.status === 0) return { namespaces: true };
    const why = `${result.stderr ?? ''}`.trim().split('\n').slice(-2).join(' ');
    return {
      namespaces: false,
      reason: `unshare failed (${why || `exit ${result.status ?? result.signal}`})`,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
