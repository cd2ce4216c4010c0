import { splitLines } from '../util/text.ts';

const ONE_LINE: readonly RegExp[] = [
  // chai / vitest: expected [ 3, 1, 2 ] to deeply equal [ 1, 2, 3 ]
  /expected (\[.*\]|\{.*\}) to (?:deeply |strictly )?equal (\[.*\]|\{.*\})/,
  // Python unittest: Lists differ: [1, 2, 3] != [3, 1, 2]
  /(\[.*\]|\{.*\}) != (\[.*\]|\{.*\})/,
];
const DIFF_HEADER = /^(?:- Expected|\+ Received|---|\+\+\+)/;

/**
 * The lines showing that expected and received hold the same elements in another order, or undefined.
 * Reads one-line comparisons (chai, unittest), `Expected: … / Received: …` pairs, and -/+ diff blocks
 * (jest, vitest) whose removed and added lines are the same multiset.
 */
export function reorderEvidence(text: string): string[] | undefined {
  const lines = splitLines(text).map((l) => l.trim());
  for (const line of lines) {
    for (const re of ONE_LINE) {
      const match = re.exec(line);
      if (match && sameMembersOtherOrder(match[1]!, match[2]!)) return [line];
    }
  }
  const expected = lines.find((l) => /^Expected(?: value)?:\s*[[{]/.test(l));
  const received = lines.find((l) => /^Received(?: value)?:\s*[[{]/.test(l));
  if (expected && received) {
    const value = (l: string) => l.slice(l.indexOf(':') + 1).trim();
    if (sameMembersOtherOrder(value(expected), value(received))) return [expected, received];
  }
  const removed: string[] = [];
  const added: string[] = [];
  for (const line of lines) {
    if (DIFF_HEADER.test(line)) continue;
    const match = /^([-+])\s+(.+)$/.exec(line);
    if (!match) continue;
    (match[1] === '-' ? removed : added).push(line);
  }
  if (removed.length === 0 || removed.length !== added.length) return undefined;
  const key = (l: string) => l.slice(1).trim().replace(/,$/, '');
  const a = removed.map(key).sort();
  const b = added.map(key).sort();
  return a.every((v, i) => v === b[i]) ? [...removed, ...added] : undefined;
}

function sameMembersOtherOrder(left: string, right: string): boolean {
  const a = elements(left);
  const b = elements(right);
  if (a.length < 2 || a.length !== b.length) return false;
  if (a.every((v, i) => v === b[i])) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}

/** Top-level elements of `[a, b, [c, d]]` or `{ a: 1, b: 2 }`, trimmed. */
function elements(value: string): string[] {
  const inner = value.trim().slice(1, -1);
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (const ch of inner) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ('[{('.includes(ch)) depth++;
    else if (']})'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}
