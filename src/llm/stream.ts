import type { StreamEvent } from './apis.ts';
import { classify } from './classify.ts';
import type { Failure } from './errors.ts';
import type { Outcome } from './retry.ts';
import type { TokenUsage } from './types.ts';

export interface StreamLimits {
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  /** Absolute ms timestamp at which the attempt is cut. */
  deadline: number | undefined;
}

export interface StreamResult {
  text: string;
  usage: TokenUsage;
  /** False when the server sent no usage and it was estimated (chars / 4). */
  usageReported: boolean;
  finish: string | undefined;
  refusal: string;
  ms: number;
  ttftMs: number | undefined;
  tokensPerSecond: number | undefined;
}

type Cut = 'timeout' | 'idle' | 'deadline';

/**
 * Consumes one streamed reply under three clocks: the whole attempt, the silence between chunks once
 * tokens flow (a hung stream), and the deadline. Aborting is the only way to stop a stream the SDK
 * reads, and the SDK then ends iteration quietly, so the cut is remembered here.
 */
export async function consumeStream(
  open: (signal: AbortSignal) => Promise<AsyncIterable<unknown>>,
  map: (item: unknown) => StreamEvent,
  limits: StreamLimits,
  promptEstimate: number,
): Promise<Outcome<StreamResult>> {
  const start = performance.now();
  const controller = new AbortController();
  let cut: Cut | undefined;
  const stop = (why: Cut) => {
    cut ??= why;
    controller.abort();
  };
  const timers = [setTimeout(stop, clamp(limits.requestTimeoutMs), 'timeout')];
  if (limits.deadline !== undefined)
    timers.push(setTimeout(stop, clamp(limits.deadline - Date.now()), 'deadline'));
  let idle: NodeJS.Timeout | undefined;

  let text = '';
  let refusal = '';
  let usage: TokenUsage | undefined;
  let finish: string | undefined;
  let items = 0;
  let firstAt: number | undefined;
  let failure: Failure | undefined;
  let opened = false;
  try {
    const stream = await open(controller.signal);
    opened = true;
    for await (const item of stream) {
      items++;
      const event = map(item);
      if (event.failure) {
        failure = event.failure;
        break;
      }
      if (event.delta || event.activity || event.refusal) {
        firstAt ??= performance.now();
        clearTimeout(idle);
        idle = setTimeout(stop, clamp(limits.idleTimeoutMs), 'idle');
      }
      if (event.delta) text += event.delta;
      if (event.refusal) refusal += event.refusal;
      if (event.usage) usage = event.usage;
      if (event.finish) finish = event.finish;
    }
  } catch (error) {
    if (cut === undefined) failure = classify(error);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    clearTimeout(idle);
  }
  const end = performance.now();
  if (cut !== undefined) failure = cutFailure(cut, limits, firstAt === undefined ? undefined : end - firstAt);
  else if (!failure && items === 0) {
    failure = {
      kind: 'bad-output',
      detail: 'the stream carried no events; does the server support stream: true?',
    };
  }
  const spent = usage ?? { promptTokens: promptEstimate, completionTokens: Math.ceil(text.length / 4) };
  if (failure) return { ok: false, failure: opened ? { ...failure, partial: spent } : failure };
  const genMs = firstAt === undefined ? 0 : end - firstAt;
  return {
    ok: true,
    value: {
      text,
      usage: spent,
      usageReported: usage !== undefined,
      finish,
      refusal,
      ms: end - start,
      ttftMs: firstAt === undefined ? undefined : firstAt - start,
      tokensPerSecond:
        genMs > 0 && spent.completionTokens > 1 ? (spent.completionTokens * 1000) / genMs : undefined,
    },
  };
}

function cutFailure(cut: Cut, limits: StreamLimits, streamedMs: number | undefined): Failure {
  if (cut === 'idle') return { kind: 'idle', detail: `no chunk for ${limits.idleTimeoutMs} ms` };
  if (cut === 'deadline')
    return { kind: 'deadline', detail: 'the deadline passed while the reply was streaming' };
  const streamed = streamedMs === undefined ? 'before the first token' : 'while streaming';
  return { kind: 'timeout', detail: `cut at requestTimeoutMs ${limits.requestTimeoutMs} ${streamed}` };
}

/** setTimeout fires at once for delays past 2^31 - 1 ms; a far deadline must not. */
const clamp = (ms: number) => Math.min(Math.max(0, ms), 2 ** 31 - 1);
