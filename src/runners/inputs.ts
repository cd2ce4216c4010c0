import { existsSync, readFileSync } from 'node:fs';

/**
 * Every file runner discovery reads or looks for, beyond the file list and package.json files it is
 * given: while a recording is open, these are noted so a cached discovery can tell whether it is stale.
 */
let recording: Set<string> | undefined;

export function readInput(path: string): string {
  recording?.add(path);
  return readFileSync(path, 'utf8');
}

export function inputExists(path: string): boolean {
  recording?.add(path);
  return existsSync(path);
}

/** Runs `fn` and returns, with its value, the absolute paths it read or probed through this module. */
export async function recordInputs<T>(fn: () => Promise<T>): Promise<{ value: T; inputs: string[] }> {
  const outer = recording;
  const inputs = new Set<string>();
  recording = inputs;
  try {
    const value = await fn();
    return { value, inputs: [...inputs] };
  } finally {
    recording = outer;
    for (const input of inputs) outer?.add(input);
  }
}
