import { CoverageParseError } from '../errors.ts';

// biome-ignore lint/suspicious/noExplicitAny: narrowing untrusted JSON one property at a time
export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a report's JSON; a syntax error names the file and the line it is on. */
export function parseJsonReport(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CoverageParseError(
      source,
      lineOfJsonError(text, error),
      `invalid JSON (${String((error as Error).message)
        .replace(/\s+/g, ' ')
        .slice(0, 120)})`,
    );
  }
}

function lineOfJsonError(text: string, error: unknown): number {
  const message = String((error as Error).message);
  const explicit = /line (\d+)/.exec(message);
  if (explicit) return Number(explicit[1]);
  const match = /position (\d+)/.exec(message);
  const position = match ? Number(match[1]) : text.length;
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
