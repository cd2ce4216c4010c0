import * as z from 'zod';
import { oneLine } from './errors.ts';
import { extractJson } from './extract.ts';

export interface SchemaSpec {
  name: string;
  schema: Record<string, unknown>;
  /** Whether the schema meets OpenAI's strict mode (every property required, no extra properties). */
  strict: boolean;
  /** Stable text of the schema, for the prompt and the cache key. */
  text: string;
}

export function schemaSpec(schema: z.ZodType): SchemaSpec {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    name: 'testloop_output',
    schema: json,
    strict: isStrictCompatible(json),
    text: JSON.stringify(json),
  };
}

/** Appended to the system prompt when the endpoint cannot constrain the output itself. */
export function jsonInstruction(spec: SchemaSpec): string {
  return [
    'Reply with one JSON value that matches this JSON Schema, in a single ```json fenced block, and nothing else.',
    'Use strict JSON: double quotes, no comments, no trailing commas.',
    spec.text,
  ].join('\n');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };

/** Extracts the JSON from a reply and validates it; the detail names the first failing path. */
export function parseStructured<T>(reply: string, schema: z.ZodType<T>): Parsed<T> {
  const extracted = extractJson(reply);
  if (!extracted.ok) return extracted;
  const result = schema.safeParse(extracted.value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  const more = result.error.issues.length > 1 ? ` (+${result.error.issues.length - 1} more)` : '';
  return { ok: false, detail: oneLine(`schema mismatch at ${where}: ${issue.message}${more}`) };
}

function isStrictCompatible(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(isStrictCompatible);
  if (typeof node !== 'object' || node === null) return true;
  const record = node as Record<string, unknown>;
  if (record.type === 'object' || record.properties !== undefined) {
    const keys = Object.keys((record.properties as object | undefined) ?? {});
    const required = new Set((record.required as string[] | undefined) ?? []);
    if (record.additionalProperties !== false || keys.some((key) => !required.has(key))) return false;
  }
  return Object.values(record).every(isStrictCompatible);
}
