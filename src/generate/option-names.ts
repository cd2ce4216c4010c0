import { msOf } from '../config/duration.ts';
import type { GenerateOptions } from './pipeline.ts';

/**
 * The fields the pipeline reads, from the options as `testloop generate` names them (target, budget,
 * baseUrl, model, api, llmTimeout). Where a caller also set the older field (targets, budgetMs, llm), the
 * older one wins.
 */
export function withOlderFields(options: GenerateOptions): GenerateOptions {
  const { target, budget, baseUrl, model, api, llmTimeout, ...rest } = options;
  const endpoint = { baseUrl, model, api, requestTimeoutMs: msOf(llmTimeout) };
  const named = Object.fromEntries(Object.entries(endpoint).filter(([, value]) => value !== undefined));
  const llm = { ...named, ...options.llm };
  return {
    ...rest,
    ...((options.targets ?? target) ? { targets: options.targets ?? target } : {}),
    ...(options.budgetMs !== undefined || budget !== undefined
      ? { budgetMs: msOf(budget, options.budgetMs) }
      : {}),
    ...(Object.keys(llm).length > 0 ? { llm } : {}),
  };
}
