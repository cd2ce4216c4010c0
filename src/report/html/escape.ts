/**
 * Everything in a report comes from the repository, the pull request or test output, so every value
 * goes through here. One escaper for text and double-quoted attributes: it also escapes quotes, so a
 * value can never leave its attribute.
 */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Long untrusted strings (a test name of 100 kB, a minified line) are cut so the page stays small. */
export function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length - max} more characters)`;
}

/** Escaped and clipped text. */
export function text(value: unknown, max = 500): string {
  return esc(clip(String(value ?? ''), max));
}
