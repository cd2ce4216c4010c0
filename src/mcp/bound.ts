/** The most a tool answer holds, in characters of JSON: about 10k tokens an agent keeps in context. */
const MAX_ANSWER_CHARS = 40_000;

/** Longest string kept whole inside an answer (a failure message, a stack, a patch is cut to this). */
const MAX_STRING_CHARS = 4_000;
/** …and at most this share of the whole answer, so that a small limit still holds a few of them. */
const STRING_SHARE = 4;

export interface Bounded {
  value: Record<string, unknown>;
  /** What was cut, one entry per list or text: `tests: 50 of 9,981 kept`. Empty when nothing was. */
  cut: string[];
}

/**
 * Cuts an answer down to `limit` characters of JSON: long texts first, then the longest lists, halved
 * until it fits. Lists keep their head (the CLI orders them most relevant first). What was cut is said in
 * `cut`, and the caller adds it to the answer: a shortened list is never passed off as the whole.
 */
export function bound(value: Record<string, unknown>, limit = MAX_ANSWER_CHARS): Bounded {
  const cut: string[] = [];
  if (JSON.stringify(value).length <= limit) return { value, cut };
  const longest = Math.min(MAX_STRING_CHARS, Math.floor(limit / STRING_SHARE));
  const copy = cutStrings(structuredClone(value), '', cut, longest) as Record<string, unknown>;
  const lists = new Map<string, { total: number; list: unknown[] }>();
  for (let round = 0; round < 200 && JSON.stringify(copy).length > limit; round++) {
    const longest = longestList(copy, '');
    if (longest === undefined) break;
    if (!lists.has(longest.path)) lists.set(longest.path, { total: longest.list.length, list: longest.list });
    longest.list.length = Math.floor(longest.list.length / 2);
  }
  for (const [path, { total, list }] of lists) cut.push(`${path}: ${list.length} of ${total} kept`);
  return { value: copy, cut };
}

function cutStrings(value: unknown, path: string, cut: string[], longest: number): unknown {
  if (typeof value === 'string' && value.length > longest) {
    cut.push(`${path}: ${longest} of ${value.length} characters kept`);
    return `${value.slice(0, longest)}…`;
  }
  if (Array.isArray(value)) return value.map((item, i) => cutStrings(item, `${path}[${i}]`, cut, longest));
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      (value as Record<string, unknown>)[key] = cutStrings(item, path ? `${path}.${key}` : key, cut, longest);
  }
  return value;
}

/** The list with the most JSON in it, by path (`tests`, `files[2].gaps`). */
function longestList(
  value: unknown,
  path: string,
): { path: string; list: unknown[]; size: number } | undefined {
  let best: { path: string; list: unknown[]; size: number } | undefined;
  const consider = (candidate: { path: string; list: unknown[]; size: number } | undefined) => {
    if (candidate && (best === undefined || candidate.size > best.size)) best = candidate;
  };
  if (Array.isArray(value)) {
    // A list of one is cut inside its item (the file's gaps), never to nothing.
    if (value.length > 1) consider({ path, list: value, size: JSON.stringify(value).length });
    for (const [i, item] of value.entries()) consider(longestList(item, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      consider(longestList(item, path ? `${path}.${key}` : key));
  }
  return best;
}
