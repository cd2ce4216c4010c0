/**
 * Untrusted text in a comment (file names, test names, runner messages, generated code) comes from the pull
 * request: it must not inject HTML, break the markdown around it, or ping people.
 */
import { escapeMarkdown } from '../../report/markdown.ts';

/** A zero-width space after `@` keeps the text readable and stops GitHub from linking and notifying. */
function neutralizeMentions(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9])/g, '@\u200B');
}

/** Plain text for markdown (a paragraph, a list item or a table cell). */
export function escapeText(text: string): string {
  return neutralizeMentions(escapeMarkdown(text));
}

/** Text inside raw HTML (a <summary>): markdown is not parsed there, so only HTML is escaped. */
export function escapeHtml(text: string): string {
  return neutralizeMentions(
    text
      .replace(/[\r\n]+/g, ' ')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;'),
  );
}

/**
 * A code span that holds any text: delimited by one more backtick than the longest run inside, padded when
 * the text starts or ends with a backtick. In a table cell `|` is escaped so the cell stays one cell (GFM
 * reads `\|` as a pipe there, but shows the backslash anywhere else).
 */
export function codeSpan(text: string, inTable = false): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const fence = '`'.repeat(longestRun(flat, '`') + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${inTable ? flat.replace(/\|/g, '\\|') : flat}${pad}${fence}`;
}

/** A fenced code block whose fence is longer than any backtick run in `code`, so the code cannot close it. */
export function codeBlock(code: string, language = ''): string {
  const fence = '`'.repeat(Math.max(3, longestRun(code, '`') + 1));
  const body = code.endsWith('\n') ? code : `${code}\n`;
  return `${fence}${language.replace(/[^\w+-]/g, '')}\n${body}${fence}`;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}
