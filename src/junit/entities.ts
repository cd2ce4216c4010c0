/** The five XML entities and character references; anything else stays as written. */
export function decodeEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp === -1) return text;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = text.indexOf(';', amp + 1);
    if (semi === -1) break;
    const decoded = semi - amp <= 10 ? entity(text, amp + 1, semi) : undefined;
    if (decoded !== undefined) {
      out += text.slice(from, amp) + decoded;
      from = semi + 1;
    }
    amp = text.indexOf('&', decoded !== undefined ? semi + 1 : amp + 1);
  }
  return from === 0 ? text : out + text.slice(from);
}

function entity(text: string, start: number, end: number): string | undefined {
  const first = text.charCodeAt(start);
  if (first !== 0x23) {
    const name = text.slice(start, end);
    return name === 'lt'
      ? '<'
      : name === 'gt'
        ? '>'
        : name === 'amp'
          ? '&'
          : name === 'quot'
            ? '"'
            : name === 'apos'
              ? "'"
              : undefined;
  }
  const hex = text.charCodeAt(start + 1) === 0x78;
  const digits = text.slice(start + (hex ? 2 : 1), end);
  if (digits === '' || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return undefined;
  const code = Number.parseInt(digits, hex ? 16 : 10);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}
