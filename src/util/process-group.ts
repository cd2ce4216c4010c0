import { type ChildProcess, spawnSync } from 'node:child_process';

/** Children started with `detached` lead a process group of their own, which ends with one signal. */
export const PROCESS_GROUPS = process.platform !== 'win32';

/** Kills a child and everything it started (its group; on Windows its process tree, while it lives). */
export function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // The group outlives its leader (workers it left); on Windows only a live process has a tree to kill.
    if (PROCESS_GROUPS) process.kill(-child.pid, 'SIGKILL');
    else if (child.exitCode === null && child.signalCode === null)
      spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F']);
  } catch {
    // Already gone.
  }
}
