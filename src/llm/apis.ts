import type OpenAI from 'openai';
import type { Compat } from './compat.ts';
import type { Failure } from './errors.ts';
import type { SchemaSpec } from './structured.ts';
import type { LlmApi, TokenUsage } from './types.ts';

export interface Prompt {
  model: string;
  system: string;
  user: string;
  maxTokens: number;
  temperature: number | undefined;
  /** Sent as the API's structured-output format; undefined for plain text (or after the fallback). */
  schema: SchemaSpec | undefined;
}

/** What one stream item means, in either API's dialect. */
export interface StreamEvent {
  delta?: string;
  /** Reasoning or other progress that is not answer text (keeps the idle timer quiet). */
  activity?: boolean;
  usage?: TokenUsage;
  finish?: string;
  refusal?: string;
  failure?: Failure;
}

export interface ApiAdapter {
  open(client: OpenAI, prompt: Prompt, compat: Compat, signal: AbortSignal): Promise<AsyncIterable<unknown>>;
  map(item: unknown): StreamEvent;
}

const chat: ApiAdapter = {
  open(client, prompt, compat, signal) {
    const schema = prompt.schema;
    return client.chat.completions.create(
      {
        model: prompt.model,
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
        stream: true,
        ...(compat.streamUsage ? { stream_options: { include_usage: true } } : {}),
        ...(compat.maxTokensField === 'max_tokens'
          ? { max_tokens: prompt.maxTokens }
          : { max_completion_tokens: prompt.maxTokens }),
        ...(prompt.temperature === undefined ? {} : { temperature: prompt.temperature }),
        ...(schema
          ? {
              response_format: {
                type: 'json_schema',
                json_schema: {
                  name: schema.name,
                  schema: schema.schema,
                  strict: schema.strict && compat.strictSchema,
                },
              },
            }
          : {}),
      },
      { signal },
    );
  },
  map(item) {
    const chunk = item as OpenAI.Chat.Completions.ChatCompletionChunk;
    const choice = chunk.choices?.[0];
    const delta = choice?.delta as
      | (OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta & Reasoning)
      | undefined;
    const event: StreamEvent = {};
    if (delta?.content) event.delta = delta.content;
    if (delta?.reasoning_content || delta?.reasoning) event.activity = true;
    if (delta?.refusal) event.refusal = delta.refusal;
    if (choice?.finish_reason) event.finish = choice.finish_reason;
    if (chunk.usage) {
      event.usage = {
        promptTokens: chunk.usage.prompt_tokens,
        completionTokens: chunk.usage.completion_tokens,
      };
    }
    return event;
  },
};

/** vLLM, DeepSeek and Ollama stream a reasoning model's thoughts beside the content. */
interface Reasoning {
  reasoning_content?: string | null;
  reasoning?: string | null;
}

const responses: ApiAdapter = {
  open(client, prompt, compat, signal) {
    const schema = prompt.schema;
    return client.responses.create(
      {
        model: prompt.model,
        instructions: prompt.system,
        input: prompt.user,
        stream: true,
        store: false,
        max_output_tokens: prompt.maxTokens,
        ...(prompt.temperature === undefined ? {} : { temperature: prompt.temperature }),
        ...(schema
          ? {
              text: {
                format: {
                  type: 'json_schema',
                  name: schema.name,
                  schema: schema.schema,
                  strict: schema.strict && compat.strictSchema,
                },
              },
            }
          : {}),
      },
      { signal },
    );
  },
  map(item) {
    const event = item as OpenAI.Responses.ResponseStreamEvent;
    switch (event.type) {
      case 'response.output_text.delta':
        return { delta: event.delta };
      case 'response.refusal.delta':
        return { refusal: event.delta };
      case 'response.completed':
      case 'response.incomplete': {
        const usage = event.response.usage;
        const reason = event.response.incomplete_details?.reason;
        return {
          finish:
            event.type === 'response.completed' ? 'stop' : reason === 'max_output_tokens' ? 'length' : 'stop',
          ...(usage
            ? { usage: { promptTokens: usage.input_tokens, completionTokens: usage.output_tokens } }
            : {}),
        };
      }
      case 'response.failed': {
        const error = event.response.error;
        return {
          failure: { kind: 'server', detail: error ? `${error.code}: ${error.message}` : 'response failed' },
        };
      }
      case 'error': {
        const kind = /rate_limit/.test(event.code ?? '') ? 'rate-limited' : 'server';
        return { failure: { kind, detail: `${event.code ?? 'error'}: ${event.message}` } };
      }
      default:
        return { activity: event.type.startsWith('response.reasoning') };
    }
  },
};

export const adapters: Record<LlmApi, ApiAdapter> = { chat, responses };
