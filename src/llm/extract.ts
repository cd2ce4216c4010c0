export type Extracted = { ok: true; value: unknown } | { ok: false; detail: string };

/**
 * Finds the JSON value in a model's reply: the whole reply, else a ```json (or bare) fenced block, else
 * the first balanced {...} or [...] after leading prose. Strict JSON only: a trailing comma or a
 * comment is an error, not something to guess around.
 */
export function extractJson(reply: string): Extracted {
  const text = stripThinking(reply).trim();
  if (text === '') return { ok: false, detail: 'empty reply' };
  const candidates = [text, ...fencedBlocks(text)];
  const balanced = firstBalanced(text);
  if (balanced !== undefined) candidates.push(balanced);
  let firstError: string | undefined;
  for (const candidate of candidates) {
    const start = candidate.trimStart()[0];
    if (start !== '{' && start !== '[') continue;
    try {
      return { ok: true, value: JSON.parse(candidate) };
    } catch (error) {
      firstError ??= describe(candidate, error);
    }
  }
  return { ok: false, detail: firstError ?? 'no JSON object in the reply' };
}

/** Reasoning models served raw (DeepSeek-R1, Qwen3 on llama.cpp) put their thoughts before the answer. */
export function stripThinking(text: string): string {
  return text.replace(/^\s*<think>[\s\S]*?<\/think>/, '');
}

function fencedBlocks(text: string): string[] {
  const blocks: { lang: string; body: string }[] = [];
  for (const match of text.matchAll(/```([\w-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g)) {
    blocks.push({ lang: (match[1] ?? '').toLowerCase(), body: match[2] ?? '' });
  }
  const rank = (lang: string) => (lang.startsWith('json') ? 0 : lang === '' ? 1 : 2);
  return blocks.sort((a, b) => rank(a.lang) - rank(b.lang)).map((block) => block.body.trim());
}

/** The first {...} or [...] whose brackets balance, strings respected. */
function firstBalanced(text: string): string | undefined {
  const start = text.search(/[{[]/);
  if (start < 0) return undefined;
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') stack.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return undefined;
      if (stack.length === 0) return text.slice(start, i + 1);
    }
  }
  return text.slice(start); // unbalanced: let JSON.parse say where it breaks
}

function describe(candidate: string, error: unknown): string {
  if (/,\s*[}\]]/.test(candidate)) return 'invalid JSON: trailing comma';
  const message = String((error as Error).message).split('\n')[0];
  return `invalid JSON: ${message}`;
}
