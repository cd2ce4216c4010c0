import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitLines } from '../util/text.ts';

export interface OwnerRule {
  pattern: string;
  re: RegExp;
  owners: string[];
}

/** Where GitHub looks, in its order; GitLab reads the same places. */
const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];

export async function loadCodeowners(root: string, explicit?: string): Promise<OwnerRule[]> {
  for (const path of explicit ? [explicit] : CODEOWNERS_PATHS) {
    const text = await readFile(join(root, path), 'utf8').catch(() => undefined);
    if (text !== undefined) return parseCodeowners(text);
  }
  return [];
}

/**
 * GitHub CODEOWNERS: one `pattern owner…` per line, `#` comments, gitignore-style patterns; a pattern
 * without owners clears ownership. GitLab `[Section]` headers are skipped (their rules still apply).
 */
export function parseCodeowners(text: string): OwnerRule[] {
  const rules: OwnerRule[] = [];
  for (const raw of splitLines(text)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || /^\^?\[[^\]]*\]/.test(line)) continue;
    const [pattern, ...owners] = line.split(/\s+/).map((part) => part.replace(/\\#/g, '#'));
    if (!pattern) continue;
    rules.push({ pattern, re: patternToRegExp(pattern), owners });
  }
  return rules;
}

/** The owners of a repository-relative file: the last matching rule wins. */
export function ownersOf(rules: readonly OwnerRule[], file: string): string[] {
  const path = file.replace(/^\.?\//, '');
  for (let i = rules.length - 1; i >= 0; i--) {
    if (rules[i]!.re.test(path)) return rules[i]!.owners;
  }
  return [];
}

/**
 * gitignore semantics as GitHub applies them: a leading or inner `/` anchors at the root, otherwise the
 * pattern matches at any depth; `*` and `?` stay inside one segment, `**` crosses them; a pattern that
 * names a directory owns everything under it, but `docs/*` owns only the files directly in docs/.
 */
function patternToRegExp(pattern: string): RegExp {
  let p = pattern;
  const directory = p.endsWith('/');
  if (directory) p = p.slice(0, -1);
  const anchored = p.startsWith('/') || p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  let body = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '*' && p[i + 1] === '*') {
      const slash = p[i + 2] === '/';
      body += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') body += '[^/]*';
    else if (ch === '?') body += '[^/]';
    else body += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const last = p.slice(p.lastIndexOf('/') + 1);
  const ownsChildren = directory || !/[*?]/.test(last) || last === '**';
  const prefix = anchored ? '^' : '^(?:.*/)?';
  return new RegExp(`${prefix}${body}${ownsChildren ? '(?:/.*)?' : ''}$`);
}
