/**
 * Observed speed of the endpoint (time to first token, tokens per second), smoothed over requests, to
 * tell before a request starts whether it can finish before the deadline.
 */
export class Pace {
  private ttftMs: number | undefined;
  private tokensPerSecond: number | undefined;

  observe(ttftMs: number | undefined, tokensPerSecond: number | undefined): void {
    if (ttftMs !== undefined) this.ttftMs = smooth(this.ttftMs, ttftMs);
    if (tokensPerSecond !== undefined) this.tokensPerSecond = smooth(this.tokensPerSecond, tokensPerSecond);
  }

  /** Worst-case duration of a request that may produce `maxTokens`; undefined until speed is known. */
  estimateMs(maxTokens: number): number | undefined {
    if (this.tokensPerSecond === undefined) return undefined;
    return (this.ttftMs ?? 0) + (maxTokens / this.tokensPerSecond) * 1000;
  }

  speed(): number | undefined {
    return this.tokensPerSecond;
  }
}

/** Exponential moving average leaning on recent requests (servers slow down under load). */
const smooth = (previous: number | undefined, next: number) =>
  previous === undefined ? next : previous * 0.6 + next * 0.4;
