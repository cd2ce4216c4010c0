// Processes left in a PID namespace, seen from the host's /proc: after a validation process answered a
// request, anything in its namespace besides the namespace's first process (the setup shell), the
// validation process and its own children (the runner's workers, vite's esbuild service) was started by
// the code under test (in a worker, so a grandchild, or an orphan the shell adopted) and outlived its run.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface StrayProcess {
  /** The host's pid (to kill it), and its command name. */
  pid: number;
  command: string;
}

/**
 * Processes of the PID namespace whose first process is the child of `unsharePid`, zombies left out, other
 * than that first process (the setup shell), the oldest of the rest (the command the shell started once
 * its setup commands had ended: pids only grow) and that command's direct children. Empty when the
 * namespace cannot be found.
 */
export function strayProcesses(unsharePid: number): StrayProcess[] {
  const init = readOptional(`/proc/${unsharePid}/task/${unsharePid}/children`)?.trim().split(/\s+/)[0];
  if (!init) return [];
  const namespace = linkOf(`/proc/${init}/ns/pid`);
  if (namespace === undefined) return [];
  const members: (StrayProcess & { inner: number; parent: number })[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || linkOf(`/proc/${name}/ns/pid`) !== namespace) continue;
    const status = readOptional(`/proc/${name}/status`);
    if (status === undefined || /^State:\s+Z/m.test(status)) continue;
    const inner = Number(/^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/).at(-1) ?? 0);
    if (inner === 1) continue;
    const parent = Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
    members.push({ pid: Number(name), inner, parent, command: /^Name:\s+(.+)$/m.exec(status)?.[1] ?? '?' });
  }
  members.sort((a, b) => a.inner - b.inner);
  const validation = members[0]?.pid;
  return members
    .slice(1)
    .filter((member) => member.parent !== validation)
    .map(({ pid, command }) => ({ pid, command }));
}

function linkOf(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
