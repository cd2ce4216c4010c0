/**
 * "Add assertions from observed values": the engine that runs a test and turns the values it saw into
 * assertions lives in src/generate/observe/. The server only calls it, through this signature.
 */
/** `line` is 0-based, as the engine in src/generate/observe/ takes it. */
export type ObserveAssertions = (options: { root: string; testFile: string; line: number }) => Promise<{
  suggestions: { expression: string; observed: string; assertion: string }[];
  warnings: string[];
}>;

/** The engine, imported while the server starts (in the background): its runner code is not needed before. */
export async function loadObserveAssertions(): Promise<ObserveAssertions | undefined> {
  const { observeAssertions } = await import('../generate/observe/index.ts');
  return observeAssertions;
}
