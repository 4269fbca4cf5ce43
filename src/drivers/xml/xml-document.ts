/**
 * A configuration file (plugin-cfg.xml, loadbalancer.xml) as an ordered document that renders back
 * byte for byte.
 *
 * A rollout must leave everything it does not mean to change exactly as a generator or an
 * administrator wrote it (rollback restores the file byte for byte, and people diff these files),
 * so this is a small tokenizer that keeps the raw text of every piece: whitespace, comments,
 * attribute order, quotes and line breaks inside tags. Only the pieces the transforms touch are
 * re-rendered. General-purpose XML parsers normalise some of that away.
 *
 * Pure: no I/O, so activities, the CLI and tests share it. Each driver names its own error class
 * (`errorClass`), so callers catch the kind of file that is wrong, not a generic XML error.
 */
/** Makes the error a parse throws; each driver passes its own error class. */
export type XmlErrorFactory = (message: string) => Error;

/** The error of a parse that names no driver-specific error. */
export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

/** An attribute with the raw text around it, so an untouched one renders as it was read. */
export interface XmlAttribute {
  name: string;
  /** The decoded value. Change it with `setAttribute`, which keeps `rawValue` in step. */
  value: string;
  /** Whitespace before the name (may hold line breaks). */
  lead: string;
  /** The text between the name and the opening quote, normally `=`. */
  eq: string;
  quote: '"' | "'";
  /** The value as written in the file, entities not decoded. */
  rawValue: string;
}

/** An element; `openTail` is the whitespace before `>` or `/>`, `closeTag` the raw end tag. */
export interface XmlElement {
  kind: 'element';
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
  selfClosing: boolean;
  openTail: string;
  closeTag: string;
  /** 1-based line of the start tag in the parsed text (0 for elements the tool created). */
  line: number;
}

/** Character data, kept exactly as written (entities not decoded). */
export interface XmlText {
  kind: 'text';
  text: string;
}

/** A comment, processing instruction (the XML declaration is one), CDATA section or DOCTYPE, verbatim. */
export interface XmlRaw {
  kind: 'comment' | 'pi' | 'cdata' | 'doctype';
  raw: string;
}

/** Any node of the document. */
export type XmlNode = XmlElement | XmlText | XmlRaw;

/** The whole file: top-level nodes in order, one of which is the root element. */
export interface XmlDocument {
  nodes: XmlNode[];
  root: XmlElement;
}

const nameRe = /[A-Za-z_:][\w.:-]*/y;
const spaceRe = /\s*/y;
const eqRe = /\s*=\s*/y;
const endTagRe = /<\/([A-Za-z_:][\w.:-]*)(\s*)>/y;
const badAmpersand = /&(?!(?:[A-Za-z_][\w.-]*|#\d+|#x[0-9a-fA-F]+);)/;
const namedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and character references; anything else is an error. */
function decodeEntities(raw: string, where: () => string, error: XmlErrorFactory): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw error(`${where()}: unescaped '&'`);
    const named = namedEntities[ref];
    if (named !== undefined) return named;
    const code = /^#x[0-9a-fA-F]+$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#\d+$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
    if (Number.isNaN(code) || code > 0x10ffff) throw error(`${where()}: unknown entity '${whole}'`);
    return String.fromCodePoint(code);
  });
}

/** Escapes a value for an attribute written between `quote`s. */
export function escapeAttribute(value: string, quote: '"' | "'" = '"'): string {
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return quote === '"' ? escaped.replace(/"/g, '&quot;') : escaped.replace(/'/g, '&apos;');
}

/** The tokenizer's state; one per parse. */
class Parser {
  private pos = 0;
  private readonly stack: XmlElement[] = [];
  private readonly nodes: XmlNode[] = [];
  private root: XmlElement | undefined;
  /** Offsets of every line break, for line numbers without rescanning (files can hold 10,000 servers). */
  private readonly breaks: number[] = [];

  constructor(
    private readonly src: string,
    private readonly error: XmlErrorFactory,
    /** The root element the file should have (named when there is none), if any. */
    private readonly rootName: string | undefined,
  ) {
    for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) this.breaks.push(i);
  }

  /** The 1-based line of `offset`: one more than the number of line breaks before it. */
  private lineAt(offset: number): number {
    let [lo, hi] = [0, this.breaks.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.breaks[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  private fail(offset: number, message: string): never {
    throw this.error(`line ${this.lineAt(offset)}: ${message}`);
  }

  private add(node: XmlNode): void {
    const parent = this.stack[this.stack.length - 1];
    (parent ? parent.children : this.nodes).push(node);
  }

  parse(): XmlDocument {
    if (this.src.startsWith('\uFEFF')) {
      this.nodes.push({ kind: 'text', text: '\uFEFF' });
      this.pos = 1;
    }
    while (this.pos < this.src.length) {
      if (this.src[this.pos] !== '<') this.text();
      else this.markup();
    }
    const open = this.stack[this.stack.length - 1];
    if (open) throw this.error(`<${open.name}> opened at line ${open.line} is never closed`);
    if (!this.root) throw this.error(`no root element: the file is empty or holds ${this.rootName ? `no <${this.rootName}>` : 'only text outside elements'}`);
    return { nodes: this.nodes, root: this.root };
  }

  private text(): void {
    const end = this.src.indexOf('<', this.pos);
    const stop = end < 0 ? this.src.length : end;
    const text = this.src.slice(this.pos, stop);
    if (this.stack.length === 0 && text.trim() !== '') this.fail(this.pos + text.search(/\S/), 'text outside the root element');
    const amp = text.search(badAmpersand);
    if (amp >= 0) this.fail(this.pos + amp, "unescaped '&' in text");
    this.add({ kind: 'text', text });
    this.pos = stop;
  }

  private markup(): void {
    const at = this.pos;
    if (this.src.startsWith('<!--', at)) return this.raw('comment', '-->', 'comment');
    if (this.src.startsWith('<![CDATA[', at)) {
      if (this.stack.length === 0) this.fail(at, 'CDATA section outside the root element');
      return this.raw('cdata', ']]>', 'CDATA section');
    }
    if (this.src.startsWith('<?', at)) {
      const isDeclaration = /^<\?xml\s/.test(this.src.slice(at, at + 6));
      if (isDeclaration && this.src.slice(0, at).replace('\uFEFF', '') !== '') this.fail(at, 'the XML declaration must come first in the file');
      return this.raw('pi', '?>', 'processing instruction');
    }
    if (this.src.startsWith('<!DOCTYPE', at)) return this.doctype();
    if (this.src.startsWith('</', at)) return this.endTag();
    this.startTag();
  }

  private raw(kind: XmlRaw['kind'], terminator: string, what: string): void {
    const end = this.src.indexOf(terminator, this.pos + 2);
    if (end < 0) this.fail(this.pos, `unterminated ${what}`);
    const stop = end + terminator.length;
    this.add({ kind, raw: this.src.slice(this.pos, stop) });
    this.pos = stop;
  }

  private doctype(): void {
    if (this.stack.length > 0 || this.root) this.fail(this.pos, 'DOCTYPE inside or after the root element');
    let depth = 0;
    for (let i = this.pos; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth <= 0) {
        this.add({ kind: 'doctype', raw: this.src.slice(this.pos, i + 1) });
        this.pos = i + 1;
        return;
      }
    }
    this.fail(this.pos, 'unterminated DOCTYPE');
  }

  private endTag(): void {
    endTagRe.lastIndex = this.pos;
    const m = endTagRe.exec(this.src);
    if (!m) this.fail(this.pos, 'malformed end tag');
    const name = m[1] as string;
    const open = this.stack.pop();
    if (!open) this.fail(this.pos, `</${name}> closes nothing`);
    if (open.name !== name) this.fail(this.pos, `</${name}> does not close <${open.name}> (opened at line ${open.line})`);
    open.closeTag = m[0];
    this.pos = endTagRe.lastIndex;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    if (!m) return undefined;
    this.pos = re.lastIndex;
    return m[0];
  }

  private startTag(): void {
    const at = this.pos;
    this.pos++;
    const name = this.match(nameRe);
    if (!name) this.fail(at, "'<' is not followed by an element name");
    if (this.stack.length === 0 && this.root) this.fail(at, `a second root element <${name}> (the root is <${this.root.name}>)`);
    const element: XmlElement = { kind: 'element', name, attributes: [], children: [], selfClosing: false, openTail: '', closeTag: '', line: this.lineAt(at) };
    for (;;) {
      const space = this.match(spaceRe) ?? '';
      if (this.src.startsWith('/>', this.pos) || this.src.startsWith('>', this.pos)) {
        element.openTail = space;
        element.selfClosing = this.src[this.pos] === '/';
        this.pos += element.selfClosing ? 2 : 1;
        break;
      }
      if (this.pos >= this.src.length) this.fail(at, `unterminated start tag <${name}>`);
      if (space === '') this.fail(this.pos, `<${name}>: expected whitespace, '>' or '/>'`);
      element.attributes.push(this.attribute(element, space));
    }
    this.add(element);
    if (this.stack.length === 0) this.root = element;
    if (!element.selfClosing) this.stack.push(element);
  }

  private attribute(element: XmlElement, lead: string): XmlAttribute {
    const at = this.pos;
    const name = this.match(nameRe);
    if (!name) this.fail(at, `<${element.name}>: malformed attribute`);
    if (element.attributes.some((a) => a.name === name)) this.fail(at, `<${element.name}>: attribute ${name} appears twice`);
    const eq = this.match(eqRe);
    if (!eq) this.fail(at, `<${element.name}>: attribute ${name} has no value`);
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") this.fail(at, `<${element.name}>: the value of ${name} is not quoted`);
    const end = this.src.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail(at, `<${element.name}>: the value of ${name} is never closed`);
    const rawValue = this.src.slice(this.pos + 1, end);
    if (rawValue.includes('<')) this.fail(at, `<${element.name}>: '<' in the value of ${name}`);
    this.pos = end + 1;
    const value = decodeEntities(rawValue, () => `line ${this.lineAt(at)}: <${element.name}> ${name}`, this.error);
    return { name, value, lead, eq, quote, rawValue };
  }
}

/** How `parseXmlDocument` checks the root and reports errors. */
export interface ParseXmlOptions {
  /** The root element the file must have; any root when absent. */
  root?: string;
  /** Makes every error the parse throws; default {@link XmlError}. */
  error?: XmlErrorFactory;
}

/**
 * Parses well-formed XML text into a lossless document; with `opts.root`, the root element must
 * have that name. Throws (through `opts.error`) saying what is wrong and on which line.
 */
export function parseXmlDocument(xml: string, opts: ParseXmlOptions = {}): XmlDocument {
  const error = opts.error ?? ((message: string) => new XmlError(message));
  const doc = new Parser(xml, error, opts.root).parse();
  if (opts.root !== undefined && doc.root.name !== opts.root) throw error(`line ${doc.root.line}: the root element is <${doc.root.name}>, not <${opts.root}>`);
  return doc;
}

function renderNode(node: XmlNode, out: string[]): void {
  if (node.kind === 'text') out.push(node.text);
  else if (node.kind !== 'element') out.push(node.raw);
  else {
    out.push(`<${node.name}`);
    for (const a of node.attributes) out.push(`${a.lead}${a.name}${a.eq}${a.quote}${a.rawValue}${a.quote}`);
    out.push(node.openTail, node.selfClosing ? '/>' : '>');
    if (node.selfClosing) return;
    for (const child of node.children) renderNode(child, out);
    out.push(node.closeTag || `</${node.name}>`);
  }
}

/** Renders a document (or one element) back to text. An untouched parse renders byte for byte as read. */
export function renderXmlDocument(doc: XmlDocument | XmlElement): string {
  const out: string[] = [];
  for (const node of 'nodes' in doc ? doc.nodes : [doc]) renderNode(node, out);
  return out.join('');
}
