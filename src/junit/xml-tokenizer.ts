import { decodeEntities } from './entities.ts';
import { JUnitParseError } from './errors.ts';

/**
 * A start tag's attributes as a flat name/value list: looking a name up among a handful is cheaper than
 * building an object keyed by freshly sliced strings, which V8 would have to intern.
 */
export class XmlAttributes {
  constructor(readonly list: string[] = []) {}

  /** The tokenizer reuses one instance for every tag: keep a copy to use it after `open` returns. */
  copy(): XmlAttributes {
    return new XmlAttributes(this.list.slice());
  }

  get(name: string): string | undefined {
    const list = this.list;
    for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
    return undefined;
  }
}

/**
 * Receives the document as events. Text is only decoded and delivered while `wantText` is true. The
 * attributes passed to `open` are only valid during that call.
 */
export interface XmlHandler {
  wantText: boolean;
  open(name: string, attributes: XmlAttributes): void;
  close(name: string): void;
  text(text: string): void;
}

const TEXT = 0;
const COMMENT = 1;
const CDATA = 2;
const INSTRUCTION = 3;
const DOCTYPE = 4;

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOS = 0x27;

/** A start tag this long is corruption, not a report: stop before it eats the memory budget. */
const MAX_TAG = 16 * 1024 * 1024;

/**
 * A streaming tokenizer for the XML that JUnit reports use: elements, attributes, text, CDATA and
 * the five named plus numeric entities. Comments, processing instructions and a DOCTYPE (internal
 * subset included, never expanded) are skipped. Feed it decoded text with `write`, in chunks of any
 * size; it keeps only the unfinished tail of the input and the stack of open element names.
 *
 * Well-formedness errors (mismatched or unclosed tags, a truncated file, text or a second root outside
 * the document, `<` in an attribute value) throw TESTLOOP_JUNIT_PARSE with the line. Unknown
 * entities and bare `&` are kept as written: real reporters emit them and the text stays readable.
 */
export class XmlTokenizer {
  private buffer = '';
  private pos = 0;
  private state = TEXT;
  private linesDiscarded = 0;
  private readonly stack: string[] = [];
  private roots = 0;
  private doctypeDepth = 0;
  private doctypeQuote = 0;
  private stalled = false;
  /** Positions in `buffer` already searched for: the next "<" and "&" (-1: unknown). */
  private nextLt = -1;
  private nextAmp = -1;
  private readonly attributes = new XmlAttributes();

  constructor(
    private readonly handler: XmlHandler,
    private readonly source: string,
    private readonly onExtraRoot?: (name: string, line: number) => void,
  ) {}

  /** Lines of input received so far (for errors found while decoding the next chunk). */
  linesReceived(): number {
    return this.linesDiscarded + countLines(this.buffer, 0, this.buffer.length);
  }

  write(chunk: string): void {
    if (this.pos > 0) {
      this.linesDiscarded += countLines(this.buffer, 0, this.pos);
      this.buffer = this.buffer.slice(this.pos) + chunk;
    } else {
      this.buffer = this.buffer === '' ? chunk : this.buffer + chunk;
    }
    this.pos = 0;
    this.nextLt = -1;
    this.nextAmp = -1;
    this.run(false);
  }

  end(): void {
    this.run(true);
    if (this.state !== TEXT) {
      const what = ['', 'a comment', 'a CDATA section', 'a processing instruction', 'the DOCTYPE'][
        this.state
      ];
      this.fail(this.buffer.length, `unexpected end of file inside ${what}: the report is truncated`);
    }
    const open = this.stack[this.stack.length - 1];
    if (open !== undefined) {
      this.fail(
        this.buffer.length,
        `unexpected end of file: <${open}> is not closed, the report is truncated`,
      );
    }
    if (this.roots === 0) this.fail(this.buffer.length, 'no XML element found (empty or not an XML report)');
  }

  // The loop stays tiny and the work happens in small methods called once per token: V8 then
  // optimizes those normally, instead of on-stack-replacing one big loop that deoptimizes on exit.
  private run(final: boolean): void {
    const buffer = this.buffer;
    const length = buffer.length;
    let pos = this.pos;
    this.stalled = false;
    while (pos < length && !this.stalled) {
      pos = this.state === TEXT ? this.markup(buffer, pos, final) : this.skipped(buffer, pos);
    }
    this.pos = pos;
  }

  /** From `pos` in text: the text up to the next `<`, then the construct it opens. */
  private markup(buffer: string, pos: number, final: boolean): number {
    const length = buffer.length;
    // The previous start tag already found this "<" (its lookahead for "<" in attribute values).
    const lt = this.nextLt >= pos ? this.nextLt : buffer.indexOf('<', pos);
    if (lt === -1) {
      this.stalled = true;
      return this.textRun(buffer, pos, length, !final);
    }
    if (lt > pos) this.textRun(buffer, pos, lt, false);
    if (lt + 1 >= length) return this.stall(lt, final, 'unexpected end of file after "<"');
    const next = buffer.charCodeAt(lt + 1);
    if (next === SLASH) {
      const gt = buffer.indexOf('>', lt + 2);
      if (gt === -1) return this.stall(lt, final, 'unexpected end of file inside a closing tag');
      this.closeTag(buffer.slice(lt + 2, gt).trimEnd(), lt);
      return gt + 1;
    }
    if (next === BANG) return this.declaration(buffer, lt, final);
    if (next === QUESTION) {
      this.state = INSTRUCTION;
      return lt + 2;
    }
    const after = this.startTag(buffer, lt, final);
    if (after < 0) return this.stall(lt, false, '');
    return after;
  }

  /** Stops this run at `at` to wait for more input, or fails when there is none. */
  private stall(at: number, final: boolean, detail: string): number {
    if (final) this.fail(at, `${detail}: the report is truncated`);
    this.stalled = true;
    return at;
  }

  private declaration(buffer: string, lt: number, final: boolean): number {
    if (buffer.startsWith('<!--', lt)) {
      this.state = COMMENT;
      return lt + 4;
    }
    if (buffer.startsWith('<![CDATA[', lt)) {
      if (this.stack.length === 0) this.fail(lt, 'CDATA section outside the root element');
      this.state = CDATA;
      return lt + 9;
    }
    if (buffer.startsWith('<!DOCTYPE', lt)) {
      if (this.roots > 0) this.fail(lt, 'DOCTYPE after the root element');
      this.state = DOCTYPE;
      this.doctypeDepth = 0;
      this.doctypeQuote = 0;
      return lt + 9;
    }
    if (buffer.length - lt < 9) return this.stall(lt, final, 'unexpected end of file after "<!"');
    this.fail(lt, 'unexpected "<!": expected a comment, CDATA section or DOCTYPE');
  }

  /** Inside a comment, processing instruction, CDATA section or DOCTYPE. */
  private skipped(buffer: string, pos: number): number {
    const length = buffer.length;
    if (this.state === CDATA) {
      const at = buffer.indexOf(']]>', pos);
      if (at === -1) {
        const keep = Math.max(pos, length - 2);
        if (keep > pos && this.handler.wantText) this.handler.text(buffer.slice(pos, keep));
        this.stalled = true;
        return keep;
      }
      if (at > pos && this.handler.wantText) this.handler.text(buffer.slice(pos, at));
      this.state = TEXT;
      return at + 3;
    }
    if (this.state === DOCTYPE) return this.doctype(buffer, pos);
    const close = this.state === COMMENT ? '-->' : '?>';
    const at = buffer.indexOf(close, pos);
    if (at === -1) {
      this.stalled = true;
      return Math.max(pos, length - close.length + 1);
    }
    this.state = TEXT;
    return at + close.length;
  }

  /** Text between tags; returns where scanning resumes (before a possibly split entity). */
  private textRun(buffer: string, start: number, end: number, partial: boolean): number {
    if (this.stack.length === 0) {
      for (let i = start; i < end; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) {
          this.fail(i, this.roots === 0 ? 'text before the root element' : 'text after the root element');
        }
      }
      return end;
    }
    if (!this.handler.wantText) return end;
    let stop = end;
    if (partial) {
      // An entity cut by the chunk boundary is decoded once the rest arrives.
      const amp = buffer.lastIndexOf('&', end - 1);
      if (amp >= start && end - amp < 12 && buffer.indexOf(';', amp) === -1) stop = amp;
    }
    if (stop > start) this.handler.text(decodeEntities(buffer.slice(start, stop)));
    return stop;
  }

  /** Parses `<name attr="v" …>` or `…/>` at `lt`; -1 when the tag continues in the next chunk. */
  private startTag(buffer: string, lt: number, final: boolean): number {
    const length = buffer.length;
    let i = lt + 1;
    if (!isNameStart(buffer.charCodeAt(i))) this.fail(lt, `"<" not followed by an element name`);
    i++;
    while (i < length && isNameChar(buffer.charCodeAt(i))) i++;
    if (i >= length) return this.incomplete(lt, final);
    const name = buffer.slice(lt + 1, i);
    const list = this.attributes.list;
    list.length = 0;
    // One search each for "<" (never allowed in a value) and "&" (values needing decoding) per tag.
    let nextLt = buffer.indexOf('<', i);
    if (nextLt === -1) nextLt = length;
    this.nextLt = nextLt < length ? nextLt : -1;
    let nextAmp = this.nextAmp;
    for (;;) {
      const spaceStart = i;
      let c = buffer.charCodeAt(i);
      while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = buffer.charCodeAt(++i);
      if (i >= length) return this.incomplete(lt, final);
      if (c === GT) {
        this.openElement(name, this.attributes, lt);
        return i + 1;
      }
      if (c === SLASH) {
        if (i + 1 >= length) return this.incomplete(lt, final);
        if (buffer.charCodeAt(i + 1) !== GT) this.fail(i, `expected "/>" to end <${name}>`);
        this.openElement(name, this.attributes, lt);
        this.closeTag(name, lt);
        return i + 2;
      }
      if (i === spaceStart) this.fail(i, `expected whitespace between attributes of <${name}>`);
      const nameStart = i;
      if (!isNameStart(c)) this.fail(i, `invalid attribute name in <${name}>`);
      i++;
      while (i < length && isNameChar(buffer.charCodeAt(i))) i++;
      const attribute = buffer.slice(nameStart, i);
      c = buffer.charCodeAt(i);
      while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = buffer.charCodeAt(++i);
      if (i >= length) return this.incomplete(lt, final);
      if (c !== EQUALS) this.fail(i, `attribute "${attribute}" of <${name}> has no value`);
      c = buffer.charCodeAt(++i);
      while (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) c = buffer.charCodeAt(++i);
      if (i >= length) return this.incomplete(lt, final);
      if (c !== QUOTE && c !== APOS) this.fail(i, `attribute "${attribute}" of <${name}> is not quoted`);
      const close = buffer.indexOf(c === QUOTE ? '"' : "'", i + 1);
      if (close === -1) return this.incomplete(lt, final);
      if (nextLt < close) this.fail(i, `"<" inside the value of attribute "${attribute}" of <${name}>`);
      if (nextAmp < i) {
        nextAmp = buffer.indexOf('&', i);
        if (nextAmp === -1) nextAmp = length;
        this.nextAmp = nextAmp;
      }
      const raw = buffer.slice(i + 1, close);
      list.push(attribute, nextAmp < close ? decodeEntities(raw) : raw);
      i = close + 1;
    }
  }

  private incomplete(lt: number, final: boolean): number {
    if (final) this.fail(lt, 'unexpected end of file inside a start tag: the report is truncated');
    if (this.buffer.length - lt > MAX_TAG) this.fail(lt, 'a start tag longer than 16 MB');
    return -1;
  }

  private openElement(name: string, attributes: XmlAttributes, at: number): void {
    if (this.stack.length === 0) {
      this.roots++;
      if (this.roots > 1) this.onExtraRoot?.(name, this.lineAt(at));
    }
    this.stack.push(name);
    this.handler.open(name, attributes);
  }

  private closeTag(name: string, at: number): void {
    const open = this.stack.pop();
    if (open === undefined) this.fail(at, `closing tag </${name}> without an open element`);
    if (open !== name) this.fail(at, `closing tag </${name}> does not match <${open}>`);
    this.handler.close(name);
  }

  private doctype(buffer: string, start: number): number {
    for (let i = start; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (this.doctypeQuote !== 0) {
        if (c === this.doctypeQuote) this.doctypeQuote = 0;
      } else if (c === QUOTE || c === APOS) this.doctypeQuote = c;
      else if (c === 0x5b) this.doctypeDepth++;
      else if (c === 0x5d) this.doctypeDepth--;
      else if (c === GT && this.doctypeDepth <= 0) {
        this.state = TEXT;
        return i + 1;
      }
    }
    return buffer.length;
  }

  private lineAt(index: number): number {
    return this.linesDiscarded + countLines(this.buffer, 0, Math.min(index, this.buffer.length)) + 1;
  }

  private fail(index: number, detail: string): never {
    throw new JUnitParseError(this.source, this.lineAt(index), detail);
  }
}

function countLines(text: string, start: number, end: number): number {
  let lines = 0;
  let at = text.indexOf('\n', start);
  while (at !== -1 && at < end) {
    lines++;
    at = text.indexOf('\n', at + 1);
  }
  return lines;
}

// Name characters by code (ASCII); everything from U+0080 up is accepted as a name character.
const NAME_START = new Uint8Array(128);
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const start = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
  NAME_START[c] = start ? 1 : 0;
  NAME_CHAR[c] = start || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e ? 1 : 0;
}

function isNameStart(c: number): boolean {
  return c < 128 ? NAME_START[c] === 1 : !Number.isNaN(c);
}

function isNameChar(c: number): boolean {
  return c < 128 ? NAME_CHAR[c] === 1 : !Number.isNaN(c);
}
