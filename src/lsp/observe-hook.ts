/**
 * "Add assertions from observed values": the engine that runs a test and turns the values it saw into
 * assertions lives in src/generate/observe/. The server only calls it, through this signature.
 */
export type ObserveAssertions = (options: { root: string; testFile: string; line: number }) => Promise<{
  suggestions: { expression: string; observed: string; assertion: string }[];
  warnings: string[];
}>;

/**
 * The module path of the engine, relative to this file. A variable, so that a build without the engine
 * compiles and bundles; once the engine is in the tree, import it by this literal path instead, so the
 * bundler takes it into dist/.
 */
const OBSERVE_MODULE = '../generate/observe/index.ts';

/**
 * The engine when it is part of this build, else undefined: the server then offers no such action, rather
 * than one that fails.
 */
export async function loadObserveAssertions(): Promise<ObserveAssertions | undefined> {
  try {
    const module = (await import(/* @vite-ignore */ OBSERVE_MODULE)) as { observeAssertions?: unknown };
    return typeof module.observeAssertions === 'function'
      ? (module.observeAssertions as ObserveAssertions)
      : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
