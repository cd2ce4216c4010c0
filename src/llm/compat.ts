import type { Failure } from './errors.ts';

/**
 * What this endpoint accepts, learned from its 400s and remembered for the client's lifetime: every
 * OpenAI-compatible server implements a different subset of the protocol.
 */
export interface Compat {
  /** Send the schema as `response_format` / `text.format` (off: ask for JSON in a fenced block). */
  structured: boolean;
  /** Mark the schema `strict` when it qualifies (OpenAI's strict mode rejects some schemas). */
  strictSchema: boolean;
  /** Ask for `stream_options.include_usage` (some servers reject the field). */
  streamUsage: boolean;
  /** OpenAI's reasoning models refuse `max_tokens`; most other servers only know it. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

export const initialCompat = (): Compat => ({
  structured: true,
  strictSchema: true,
  streamUsage: true,
  maxTokensField: 'max_tokens',
});

/**
 * Turns off the feature a rejected request complained about; returns its name, or undefined when the
 * rejection is not about a feature (then it is final).
 */
export function downgrade(compat: Compat, failure: Failure, sentSchema: boolean): string | undefined {
  if (failure.kind !== 'rejected' || (failure.status !== 400 && failure.status !== 422)) return undefined;
  const detail = failure.detail;
  if (compat.maxTokensField === 'max_tokens' && /max_completion_tokens/.test(detail)) {
    compat.maxTokensField = 'max_completion_tokens';
    return 'max_tokens';
  }
  if (compat.streamUsage && /stream_options|include_usage/.test(detail)) {
    compat.streamUsage = false;
    return 'stream_options';
  }
  if (
    sentSchema &&
    compat.structured &&
    /response_format|json_schema|text\.format|schema|structured/i.test(detail)
  ) {
    if (compat.strictSchema && /strict|invalid schema/i.test(detail)) {
      compat.strictSchema = false;
      return 'strict schema';
    }
    compat.structured = false;
    return 'response_format';
  }
  return undefined;
}
