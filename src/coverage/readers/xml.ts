import { readFile } from 'node:fs/promises';
import { CoverageParseError } from '../../errors.ts';
import { decodeUtf8 } from '../../util/text.ts';
import type { FileCoverage, FunctionHits } from '../types.ts';

/** One element of an XML coverage report, reduced to what the readers look at. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
  /** Where the start tag begins in the text, so a bad value can be reported with its line. */
  offset: number | undefined;
}

type FastXml = typeof import('fast-xml-parser');
let xml: { module: FastXml; parser: InstanceType<FastXml['XMLParser']>; metadata: symbol } | undefined;

/** The XML parser loads on first use, so lcov and JSON runs never pay for it. */
export async function loadXmlParser(): Promise<void> {
  if (xml) return;
  const module = await import('fast-xml-parser');
  const parser = new module.XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    // Entities are decoded below instead: a DOCTYPE's own entity declarations are then never expanded.
    processEntities: false,
    captureMetaData: true,
  });
  xml = { module, parser, metadata: module.XMLParser.getMetaDataSymbol() as symbol };
}
const NAMED_ENTITIES = new Map(Object.entries({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }));
const NON_NEGATIVE_INT = /^\d+$/;

export async function readXmlReport(path: string): Promise<XmlReport> {
  await loadXmlParser();
  return parseXmlReport(await readFile(path), path);
}

/** Synchronous once `loadXmlParser()` has resolved. */
export function parseXmlReport(bytes: Uint8Array, source: string): XmlReport {
  if (!xml) throw new Error('parseXmlReport before loadXmlParser()');
  const { module, parser } = xml;
  const text = decodeXml(bytes, source);
  const validation = module.XMLValidator.validate(text);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    const detail = `malformed or truncated XML (${shown(msg, 120)})${columnNote(text, line, col)}`;
    throw new CoverageParseError(source, line, detail);
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CoverageParseError(source, undefined, `unreadable XML (${shown(message, 120)})`);
  }
  const roots = toElements(nodes);
  if (roots.length !== 1) {
    throw new CoverageParseError(source, undefined, `expected one root element, found ${roots.length}`);
  }
  return new XmlReport(source, text, roots[0]!);
}

/** The parsed document plus the checks every reader needs, each failing with the element's line. */
export class XmlReport {
  constructor(
    readonly source: string,
    private readonly text: string,
    readonly root: XmlElement,
  ) {}

  fail(element: XmlElement, detail: string): never {
    const offset = element.offset;
    if (offset === undefined) throw new CoverageParseError(this.source, undefined, detail);
    let line = 1;
    for (let i = 0; i < offset && i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) line++;
    const column = offset - this.text.lastIndexOf('\n', offset - 1);
    throw new CoverageParseError(this.source, line, `${detail}${columnNote(this.text, line, column)}`);
  }

  /** Reading another format's report by mistake fails here, naming the root that was found. */
  expectRoot(name: string, format: string): void {
    if (this.root.name !== name) {
      this.fail(this.root, `root element is <${shown(this.root.name)}>, expected ${format}'s <${name}>`);
    }
  }

  /** A non-empty attribute the format always writes. */
  required(element: XmlElement, name: string): string {
    const value = attribute(element, name);
    if (value === undefined || value === '') this.fail(element, `<${element.name}> has no ${name} attribute`);
    return value;
  }

  count(element: XmlElement, name: string): number {
    return this.parseCount(element, name, this.required(element, name));
  }

  optionalCount(element: XmlElement, name: string): number | undefined {
    const value = attribute(element, name);
    return value === undefined ? undefined : this.parseCount(element, name, value);
  }

  lineNumber(element: XmlElement, name: string): number {
    return this.parseLineNumber(element, name, this.required(element, name));
  }

  optionalLineNumber(element: XmlElement, name: string): number | undefined {
    const value = attribute(element, name);
    return value === undefined ? undefined : this.parseLineNumber(element, name, value);
  }

  private parseCount(element: XmlElement, name: string, value: string): number {
    const number = Number(value);
    if (!NON_NEGATIVE_INT.test(value) || !Number.isSafeInteger(number)) {
      this.fail(element, `<${element.name}> ${name}="${shown(value)}" is not a non-negative integer`);
    }
    return number;
  }

  private parseLineNumber(element: XmlElement, name: string, value: string): number {
    const number = this.parseCount(element, name, value);
    if (number < 1) {
      this.fail(element, `<${element.name}> ${name}="${value}" is not a line number (1 or more)`);
    }
    return number;
  }
}

export function attribute(element: XmlElement, name: string): string | undefined {
  return Object.hasOwn(element.attributes, name) ? element.attributes[name] : undefined;
}

export function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** Items of `<lines><line/></lines>`-style lists, across every wrapper element. */
export function listed(element: XmlElement, wrapper: string, name: string): XmlElement[] {
  return children(element, wrapper).flatMap((list) => children(list, name));
}

/** A function reported twice (several classes of one file, merged reports) counts once, at its best. */
export function addFunction(file: FileCoverage, fn: FunctionHits): void {
  const existing = file.functions.find((f) => f.name === fn.name && f.line === fn.line);
  if (!existing) file.functions.push(fn);
  else existing.hits = Math.max(existing.hits, fn.hits);
}

/** UTF-8 unless the XML declaration names another encoding (older Java tools write ISO-8859-1). */
function decodeXml(bytes: Uint8Array, source: string): string {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const declared = /^(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']/.exec(head)?.[1];
  if (declared === undefined || /^utf-?8$/i.test(declared)) return decodeUtf8(bytes, source);
  try {
    return new TextDecoder(declared, { fatal: true }).decode(bytes);
  } catch {
    throw new CoverageParseError(source, 1, `cannot decode the declared encoding "${shown(declared)}"`);
  }
}

/** A value from the report as it may appear in a one-line message. */
export function shown(value: string, max = 30): string {
  return value.slice(0, max).replace(/\s+/g, ' ');
}

/** JaCoCo writes its whole report on line 1, where a line number alone finds nothing. */
function columnNote(text: string, line: number | undefined, column: number | undefined): string {
  return line === 1 && column !== undefined && text.length > 1000 ? ` at column ${column}` : '';
}

function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:([a-z]+)|#(\d{1,7})|#x([0-9a-f]{1,6}));/gi, (match, named, decimal, hex) => {
    if (named !== undefined) return NAMED_ENTITIES.get(named) ?? match;
    const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}

/** fast-xml-parser's ordered output: `[{ tag: [...children], ':@': attributes }, { '#text': '…' }]`. */
function toElements(nodes: unknown): XmlElement[] {
  const elements: XmlElement[] = [];
  if (!Array.isArray(nodes)) return elements;
  for (const node of nodes as Record<string | symbol, unknown>[]) {
    const name = Object.keys(node).find((key) => key !== ':@');
    if (name === undefined || name === '#text' || name.startsWith('?')) continue;
    const attributes: Record<string, string> = Object.create(null);
    const raw = node[':@'];
    if (raw && typeof raw === 'object') {
      for (const [key, value] of Object.entries(raw)) attributes[key] = decodeEntities(String(value));
    }
    const content = Array.isArray(node[name]) ? (node[name] as Record<string, unknown>[]) : [];
    const text = content.map((child) => (typeof child['#text'] === 'string' ? child['#text'] : '')).join('');
    const metadata = node[xml!.metadata] as { startIndex?: number } | undefined;
    elements.push({
      name,
      attributes,
      children: toElements(content),
      text: decodeEntities(text),
      offset: metadata?.startIndex,
    });
  }
  return elements;
}
