import type { LlmApi } from '../llm/types.ts';

/**
 * What the server works with: the `lsp` options of the CLI (flags, TESTLOOP_* variables, the config
 * file), overridden by the client's initializationOptions key by key.
 */
export interface LspSettings {
  /** Base ref of the change (default: as `testloop gaps`, the PR base, else the remote default branch). */
  base?: string;
  /** Coverage reports ("path" or "format:path"); default: the usual locations, as `testloop gaps`. */
  coverage?: string[];
  /** SQLite history file relative to the repository (default .testloop/history.db). */
  history?: string;
  /** The model for "Generate a test"; without a baseUrl the offline stub engine writes a skeleton. */
  model?: { baseUrl?: string; model?: string; api?: LlmApi };
  /** How often the coverage reports' modification times are checked, in ms (default 1000). */
  coveragePollMs?: number;
}

/** initializationOptions as the client sent them, kept to the keys and types the server knows. */
export function settingsFrom(base: LspSettings, init: unknown): LspSettings {
  if (typeof init !== 'object' || init === null) return base;
  const given = init as Record<string, unknown>;
  const settings: LspSettings = { ...base };
  if (typeof given.base === 'string' && given.base !== '') settings.base = given.base;
  if (typeof given.history === 'string' && given.history !== '') settings.history = given.history;
  if (Array.isArray(given.coverage) && given.coverage.every((c) => typeof c === 'string'))
    settings.coverage = given.coverage as string[];
  if (typeof given.coverage === 'string') settings.coverage = [given.coverage];
  if (typeof given.coveragePollMs === 'number' && given.coveragePollMs >= 10)
    settings.coveragePollMs = given.coveragePollMs;
  if (typeof given.model === 'object' && given.model !== null) {
    const model = given.model as Record<string, unknown>;
    settings.model = {
      ...(typeof model.baseUrl === 'string' ? { baseUrl: model.baseUrl } : {}),
      ...(typeof model.model === 'string' ? { model: model.model } : {}),
      ...(model.api === 'chat' || model.api === 'responses' ? { api: model.api } : {}),
    };
  }
  return settings;
}
