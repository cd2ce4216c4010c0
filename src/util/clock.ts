/**
 * Milliseconds from an arbitrary start, for durations. Not `performance.now()`: its first use loads
 * perf_hooks, a few ms of a run that takes about a hundred.
 */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
