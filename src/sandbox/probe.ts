// Can this machine confine untrusted code with namespaces? Asked once per process, by running the real setup
// script (./namespace.ts) around a shell that checks what it promises: a writable tree, and a read-only
// everything else. Where unprivileged user namespaces are off (some kernels, containers, AppArmor on
// Ubuntu 24.04), the answer says why.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confinedArgv } from './namespace.ts';

export type ProbeResult = { namespaces: true } | { namespaces: false; reason: string };

let cached: ProbeResult | undefined;
let pending: Promise<ProbeResult> | undefined;

/**
 * Runs inside the setup: the tree takes a write, a folder outside it refuses one. (The loopback is up or
 * the setup fails; that it listens and connects is tested in test/sandbox/.)
 */
const CHECK = 'echo ok > "$1" && ! (echo escaped > "$2") 2>/dev/null';
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const TIMEOUT_MS = 15_000;

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  error?: Error;
}

/** Whether namespaces work here (cached for the process). */
export function probeNamespaces(): ProbeResult {
  cached ??= probe((argv) => {
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: TIMEOUT_MS, env: ENV });
    return {
      status: result.status,
      signal: result.signal,
      stderr: result.stderr ?? '',
      ...(result.error ? { error: result.error } : {}),
    };
  });
  return cached;
}

/** The same without blocking: the caller's other work (a model request in flight) goes on meanwhile. */
export async function probeNamespacesAsync(): Promise<ProbeResult> {
  if (cached) return cached;
  pending ??= (async () => {
    if (process.platform !== 'linux') return unsupported();
    const base = mkdtempSync(join(tmpdir(), 'testloop-probe-'));
    try {
      const argv = probeArgv(base);
      const outcome = await new Promise<Outcome>((resolve) => {
        const child = spawn(argv[0]!, argv.slice(1), {
          stdio: ['ignore', 'ignore', 'pipe'],
          timeout: TIMEOUT_MS,
          env: ENV,
        });
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        child.on('error', (error) => resolve({ status: null, signal: null, stderr, error }));
        child.on('close', (status, signal) => resolve({ status, signal, stderr }));
      });
      return judge(outcome);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  })();
  const result = await pending;
  cached ??= result;
  return cached;
}

function unsupported(): ProbeResult {
  return { namespaces: false, reason: `not available on ${process.platform}` };
}

function probe(run: (argv: string[]) => Outcome): ProbeResult {
  if (process.platform !== 'linux') return unsupported();
  const base = mkdtempSync(join(tmpdir(), 'testloop-probe-'));
  try {
    return judge(run(probeArgv(base)));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function judge(outcome: Outcome): ProbeResult {
  if (outcome.error) return { namespaces: false, reason: `unshare: ${outcome.error.message}` };
  if (outcome.status === 0) return { namespaces: true };
  const why = outcome.stderr.trim().split('\n').slice(-2).join(' ');
  return {
    namespaces: false,
    reason: `unshare failed (${why || `exit ${outcome.status ?? outcome.signal}`})`,
  };
}

/** The probe's command line, with its folders made under `base`. */
function probeArgv(base: string): string[] {
  const dirs = ['tree', 'out', 'tmp', 'home'].map((name) => join(base, name));
  for (const dir of dirs) mkdirSync(dir);
  const [tree, out, tmp, home] = dirs as [string, string, string, string];
  return confinedArgv(['sh', '-c', CHECK, 'sh', join(tree, 'w'), join(base, 'outside')], {
    writable: [tree, out],
    scratch: [tmp, home],
    hiddenDirs: [],
    hiddenFiles: [],
    isolateNetwork: true,
    fileSizeBytes: 1 << 20,
    tmpBytes: 1 << 20,
  });
}
