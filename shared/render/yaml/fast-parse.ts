/**
 * A fast reader for the YAML that Kubernetes manifests are made of: block mappings and sequences,
 * single-line plain and quoted scalars, literal block scalars, single-line flow collections and
 * comments. It builds the same `yaml` package nodes (values typed by its core schema, plain source
 * text kept) as the full parser, several times faster and without the full parser's token stream,
 * which is where most of a large render's time and memory went.
 *
 * Anything outside that subset — anchors, aliases, tags, folded or indented block scalars, multi-line
 * plain or quoted scalars, complex keys, directives, tabs, duplicate keys, anything odd — makes it
 * return `undefined`, and the caller parses the text with the full parser instead, so results and
 * error messages never depend on which reader ran.
 */
import { Pair, Scalar, Schema, YAMLMap, YAMLSeq, type Node as YamlNode } from 'yaml';

/** One document the fast reader produced, with the 1-based line its content starts on. */
export interface FastDocument {
  node: YamlNode;
  line: number;
}

interface ScalarTag {
  test?: RegExp;
  default?: boolean;
  format?: string;
  resolve: (text: string, onError: (message: string) => void, options: { intAsBigInt: boolean }) => unknown;
}

// The plain-scalar resolvers of the core schema, in the order the full parser tries them.
const PLAIN_TAGS = ((new Schema({ schema: 'core' }) as unknown as { tags: ScalarTag[] }).tags).filter((tag) => tag.default === true && tag.test !== undefined);
const RESOLVE_OPTIONS = { intAsBigInt: true };

/** Thrown inside the reader when the text leaves the supported subset. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported('unsupported');

function plainScalar(text: string): Scalar {
  let scalar: Scalar | undefined;
  for (const tag of PLAIN_TAGS) {
    if (!(tag.test as RegExp).test(text)) continue;
    let failed = false;
    const resolved = tag.resolve(text, () => (failed = true), RESOLVE_OPTIONS);
    if (failed) throw UNSUPPORTED;
    scalar = resolved instanceof Scalar ? resolved : new Scalar(resolved);
    if (tag.format) scalar.format = tag.format;
    break;
  }
  scalar ??= new Scalar(text);
  scalar.source = text;
  scalar.type = 'PLAIN';
  return scalar;
}

function stringScalar(value: string, type: Scalar.Type): Scalar {
  const scalar = new Scalar(value);
  scalar.source = value;
  scalar.type = type;
  return scalar;
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
  N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};

class Reader {
  private readonly lines: string[];
  /** Per line: where its content starts (the indentation), possibly moved right for compact items. */
  private readonly starts: number[];
  private line = 0;
  private end = 0;

  constructor(text: string) {
    this.lines = text.split('\n');
    // The text ends with a newline, so the last entry is the empty rest after it.
    this.lines.pop();
    this.starts = this.lines.map(indentOf);
  }

  /** Splits the text into documents and reads each; undefined when outside the subset. */
  documents(): FastDocument[] {
    const out: FastDocument[] = [];
    let first = true;
    let from = 0;
    const count = this.lines.length;
    for (let i = 0; i <= count; i++) {
      const text = i < count ? (this.lines[i] as string) : undefined;
      const marker = text !== undefined && text.startsWith('---') && (text.length === 3 || text[3] === ' ');
      if (text !== undefined && !marker) {
        if (text.startsWith('...') || text.startsWith('%')) throw UNSUPPORTED;
        continue;
      }
      if (marker && (text as string).slice(3).trim() !== '' && !(text as string).slice(3).trim().startsWith('#')) throw UNSUPPORTED;
      const doc = this.document(from, i, !first);
      if (doc) out.push(doc);
      first = false;
      from = i + 1;
    }
    return out;
  }

  private document(from: number, to: number, explicit: boolean): FastDocument | undefined {
    this.line = from;
    this.end = to;
    this.skipBlank();
    if (this.line >= this.end) {
      if (!explicit) return undefined;
      return { node: plainScalar(''), line: from + 1 };
    }
    const line = this.line + 1;
    const node = this.node(-1);
    this.skipBlank();
    if (this.line < this.end) throw UNSUPPORTED;
    return { node, line };
  }

  /** Moves past blank and comment-only lines. */
  private skipBlank(): void {
    while (this.line < this.end) {
      const text = this.lines[this.line] as string;
      const start = this.starts[this.line] as number;
      if (start < text.length && text[start] !== '#') return;
      this.line++;
    }
  }

  /** A block node whose lines are indented more than `parent`. */
  private node(parent: number): YamlNode {
    const indent = this.starts[this.line] as number;
    if (indent <= parent) throw UNSUPPORTED;
    const text = this.lines[this.line] as string;
    if (isSequenceItem(text, indent)) return this.sequence(indent);
    if (findKeyEnd(text, indent) >= 0) return this.mapping(indent);
    // A scalar on a line of its own (the root, or a value below its key).
    const scalar = this.inlineValue(text, indent, parent);
    return scalar;
  }

  private sequence(indent: number): YAMLSeq {
    const seq = new YAMLSeq();
    while (this.line < this.end) {
      const text = this.lines[this.line] as string;
      if ((this.starts[this.line] as number) !== indent || !isSequenceItem(text, indent)) break;
      let at = indent + 1;
      while (text[at] === ' ') at++;
      if (at >= text.length || text[at] === '#') {
        this.line++;
        seq.items.push(this.valueBelow(indent, true));
      } else if (isSequenceItem(text, at)) {
        throw UNSUPPORTED;
      } else if (findKeyEnd(text, at) >= 0) {
        // `- key: value`: a mapping whose keys line up with this first one.
        this.starts[this.line] = at;
        seq.items.push(this.mapping(at));
      } else {
        seq.items.push(this.inlineValue(text, at, indent));
      }
      this.skipBlank();
    }
    return seq;
  }

  private mapping(indent: number): YAMLMap {
    const map = new YAMLMap();
    const keys = new Set<string>();
    while (this.line < this.end) {
      const text = this.lines[this.line] as string;
      const start = this.starts[this.line] as number;
      if (start < indent) break;
      if (start > indent || isSequenceItem(text, indent)) throw UNSUPPORTED;
      const keyEnd = findKeyEnd(text, indent);
      if (keyEnd < 0) throw UNSUPPORTED;
      const key = this.key(text, indent, keyEnd);
      const keyText = key.source as string;
      if (keys.has(keyText)) throw UNSUPPORTED; // the full parser reports it, with its line
      keys.add(keyText);
      let at = keyEnd + 1;
      while (text[at] === ' ') at++;
      let value: YamlNode;
      if (at >= text.length || text[at] === '#') {
        this.line++;
        value = this.valueBelow(indent, false);
      } else {
        value = this.inlineValue(text, at, indent);
      }
      map.items.push(new Pair(key, value));
      this.skipBlank();
    }
    return map;
  }

  /** The value of `key:` or `-` with nothing after it: the block below, or null. */
  private valueBelow(indent: number, inSequence: boolean): YamlNode {
    this.skipBlank();
    if (this.line < this.end) {
      const start = this.starts[this.line] as number;
      const text = this.lines[this.line] as string;
      if (start > indent) return this.node(indent);
      // `key:` followed by `- item` at the key's own indentation (the usual Kubernetes layout).
      if (!inSequence && start === indent && isSequenceItem(text, indent)) return this.sequence(indent);
    }
    return plainScalar('');
  }

  private key(text: string, from: number, keyEnd: number): Scalar {
    const first = text[from];
    if (first === '"' || first === "'") {
      const { value, next } = quoted(text, from);
      if (text.slice(next, keyEnd).trim() !== '') throw UNSUPPORTED;
      return stringScalar(value, first === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE');
    }
    const raw = text.slice(from, keyEnd).trimEnd();
    checkPlain(raw);
    return plainScalar(raw);
  }

  /** A value that starts on the current line at `at`; the node owning it is indented `parent`. */
  private inlineValue(text: string, at: number, parent: number): YamlNode {
    const first = text[at];
    if (first === '|') return this.literal(text, at, parent);
    let node: YamlNode;
    let next: number;
    if ((first === '"' || first === "'") && closingQuote(text, at) < 0) {
      return this.multiLineQuoted(text, at, parent);
    } else if (first === '"' || first === "'") {
      const read = quoted(text, at);
      node = stringScalar(read.value, first === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE');
      next = read.next;
    } else if (first === '[' || first === '{') {
      const read = flow(text, at);
      node = read.node;
      next = read.next;
    } else {
      const comment = text.indexOf(' #', at);
      const raw = (comment < 0 ? text.slice(at) : text.slice(at, comment)).trimEnd();
      checkPlain(raw);
      if (raw.includes(': ') || raw.endsWith(':')) throw UNSUPPORTED;
      if (comment < 0) {
        const folded = this.plainContinuation(raw, parent);
        if (folded !== undefined) return plainScalar(folded);
      }
      node = plainScalar(raw);
      next = comment < 0 ? text.length : comment;
    }
    const rest = text.slice(next).trim();
    if (rest !== '' && !rest.startsWith('#')) throw UNSUPPORTED;
    if (rest.startsWith('#') && next < text.length && text[next] !== ' ') throw UNSUPPORTED;
    this.line++;
    // A following line indented deeper would continue a multi-line scalar.
    const save = this.line;
    this.skipBlank();
    if (this.line < this.end && (this.starts[this.line] as number) > parent) throw UNSUPPORTED;
    this.line = save;
    return node;
  }

  /**
   * A plain scalar continued on the following lines (indented deeper than `parent`), folded as YAML
   * folds it: lines trimmed and joined by a space, each blank line in between a newline. Undefined
   * when the next line does not continue it. Leaves the reader after its last line.
   */
  private plainContinuation(first: string, parent: number): string | undefined {
    let at = this.line + 1;
    let value = first;
    let blanks = 0;
    let continued = false;
    while (at < this.end) {
      const line = this.lines[at] as string;
      const start = this.starts[at] as number;
      if (start >= line.length) {
        blanks++;
        at++;
        continue;
      }
      if (start <= parent || parent < 0) break;
      const part = line.slice(start).trimEnd();
      if (part.startsWith('#') || part.startsWith('- ') || part === '-' || part.includes(': ') || part.endsWith(':') || part.includes(' #')) throw UNSUPPORTED;
      value += blanks > 0 ? '\n'.repeat(blanks) : ' ';
      value += part;
      blanks = 0;
      continued = true;
      at++;
      this.line = at - 1;
    }
    if (!continued) return undefined;
    this.line++;
    return value;
  }

  /**
   * A quoted scalar whose closing quote is on a later line: the raw lines are folded as YAML folds
   * flow scalars (trimmed, joined by a space, each blank line in between a newline), then decoded.
   */
  private multiLineQuoted(text: string, at: number, parent: number): Scalar {
    const quote = text[at] as string;
    const parts: string[] = [text.slice(at + 1)];
    let at2 = this.line + 1;
    let close = -1;
    while (at2 < this.end) {
      const line = this.lines[at2] as string;
      const start = this.starts[at2] as number;
      if (start < line.length && start <= parent) throw UNSUPPORTED;
      const body = line.slice(start);
      close = closingQuote(quote + body, 0);
      parts.push(body);
      at2++;
      if (close >= 0) break;
    }
    if (close < 0) throw UNSUPPORTED;
    const last = parts.pop() as string;
    const closeAt = close - 1; // index in `last` (the probe had the quote prepended)
    const rest = last.slice(closeAt + 1).trim();
    if (rest !== '' && !(rest.startsWith('#') && last[closeAt + 1] === ' ')) throw UNSUPPORTED;
    const lines = [...parts, last.slice(0, closeAt)];
    if (quote === '"' && lines.some((line, i) => i < lines.length - 1 && /\\\s*$/.test(line))) throw UNSUPPORTED;
    let folded = (lines[0] as string).trimEnd();
    let blanks = 0;
    for (let i = 1; i < lines.length; i++) {
      const isLast = i === lines.length - 1;
      const line = isLast ? (lines[i] as string).trimStart() : (lines[i] as string).trim();
      if (line === '' && !isLast) {
        blanks++;
        continue;
      }
      folded += blanks > 0 ? '\n'.repeat(blanks) : ' ';
      folded += line;
      blanks = 0;
    }
    if (blanks > 0) throw UNSUPPORTED;
    const { value, next } = quoted(quote + folded + quote, 0);
    if (next !== folded.length + 2) throw UNSUPPORTED;
    this.line = at2;
    // A following line indented deeper would be a stray continuation.
    const save = this.line;
    this.skipBlank();
    if (this.line < this.end && (this.starts[this.line] as number) > parent) throw UNSUPPORTED;
    this.line = save;
    return stringScalar(value, quote === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE');
  }

  /** `|`, `|-`, `|+` and the lines below it. */
  private literal(text: string, at: number, parent: number): Scalar {
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    let i = at + 1;
    if (text[i] === '-' || text[i] === '+') {
      chomp = text[i] === '-' ? 'strip' : 'keep';
      i++;
    }
    const rest = text.slice(i);
    if (rest.trim() !== '' && !/^ +#/.test(rest)) throw UNSUPPORTED;
    this.line++;
    let contentIndent = -1;
    const body: string[] = [];
    while (this.line < this.end) {
      const line = this.lines[this.line] as string;
      const start = this.starts[this.line] as number;
      if (start >= line.length) {
        // A blank line: part of the scalar, or of what follows it when no content line comes after.
        // (one with more spaces than the content's indentation keeps some of them: left to the full parser)
        if (contentIndent >= 0 ? line.length > contentIndent : line.length > 0) throw UNSUPPORTED;
        body.push('');
        this.line++;
        continue;
      }
      if (contentIndent < 0) {
        if (start <= parent) break;
        contentIndent = start;
      } else if (start < contentIndent) break;
      body.push(line.slice(contentIndent));
      this.line++;
    }
    if (contentIndent < 0) {
      // Nothing but blank lines: they belong after the scalar, which is empty.
      this.line -= body.length;
      return stringScalar('', 'BLOCK_LITERAL');
    }
    // Trailing blank lines: chomping decides; the lines themselves are given back to the caller.
    let trailing = 0;
    while (trailing < body.length && body[body.length - 1 - trailing] === '') trailing++;
    const content = body.slice(0, body.length - trailing).join('\n');
    let value = content;
    if (chomp === 'clip') value += '\n';
    else if (chomp === 'keep') value += '\n'.repeat(trailing + 1);
    return stringScalar(value, 'BLOCK_LITERAL');
  }
}

function indentOf(text: string): number {
  let i = 0;
  while (text.charCodeAt(i) === 32) i++;
  return i;
}

function isSequenceItem(text: string, at: number): boolean {
  return text[at] === '-' && (at + 1 === text.length || text[at + 1] === ' ');
}

/** Where the `:` of a `key: value` line starting at `from` is, or -1 when the line is no mapping entry. */
function findKeyEnd(text: string, from: number): number {
  const first = text[from];
  if (first === '"' || first === "'") {
    const { next } = quoted(text, from);
    let i = next;
    while (text[i] === ' ') i++;
    return text[i] === ':' && (i + 1 === text.length || text[i + 1] === ' ') ? i : -1;
  }
  if (first === '[' || first === '{' || first === '#') return -1;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === ':' && (i + 1 === text.length || text[i + 1] === ' ')) return i;
    if (ch === '#' && text[i - 1] === ' ') return -1;
  }
  return -1;
}

/** Plain scalars the subset accepts: no indicator at the start, nothing the full grammar reads differently. */
function checkPlain(raw: string): void {
  if (raw === '') throw UNSUPPORTED;
  const first = raw[0] as string;
  if ('&*!|>%@`\'"[]{},#'.includes(first)) throw UNSUPPORTED;
  if ((first === '-' || first === '?' || first === ':') && (raw.length === 1 || raw[1] === ' ')) throw UNSUPPORTED;
  if (raw.startsWith('---') || raw.startsWith('...')) throw UNSUPPORTED;
}

/** Index of the quote closing the quoted scalar that opens at `from` on this line, or -1. */
function closingQuote(text: string, from: number): number {
  const quote = text[from];
  for (let i = from + 1; i < text.length; i++) {
    const ch = text[i];
    if (quote === "'" && ch === "'") {
      if (text[i + 1] === "'") {
        i++;
        continue;
      }
      return i;
    }
    if (quote === '"') {
      if (ch === '\\') i++;
      else if (ch === '"') return i;
    }
  }
  return -1;
}

/** A single-line quoted scalar starting at `from`: its value and the index after the closing quote. */
function quoted(text: string, from: number): { value: string; next: number } {
  const quote = text[from];
  let value = '';
  let i = from + 1;
  if (quote === "'") {
    for (;;) {
      const close = text.indexOf("'", i);
      if (close < 0) throw UNSUPPORTED;
      value += text.slice(i, close);
      if (text[close + 1] === "'") {
        value += "'";
        i = close + 2;
        continue;
      }
      return { value, next: close + 1 };
    }
  }
  for (;;) {
    let j = i;
    while (j < text.length && text[j] !== '"' && text[j] !== '\\') j++;
    if (j >= text.length) throw UNSUPPORTED;
    value += text.slice(i, j);
    if (text[j] === '"') return { value, next: j + 1 };
    const code = text[j + 1];
    if (code === undefined) throw UNSUPPORTED;
    const simple = ESCAPES[code];
    if (simple !== undefined) {
      value += simple;
      i = j + 2;
      continue;
    }
    const width = code === 'x' ? 2 : code === 'u' ? 4 : code === 'U' ? 8 : 0;
    const hex = text.slice(j + 2, j + 2 + width);
    if (width === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) throw UNSUPPORTED;
    const point = Number.parseInt(hex, 16);
    if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) throw UNSUPPORTED;
    value += String.fromCodePoint(point);
    i = j + 2 + width;
  }
}

/** A single-line flow collection (`[a, "b"]`, `{k: v}`, nested) starting at `from`. */
function flow(text: string, from: number): { node: YAMLSeq | YAMLMap; next: number } {
  const open = text[from];
  const close = open === '[' ? ']' : '}';
  const node = open === '[' ? new YAMLSeq() : new YAMLMap();
  node.flow = true;
  const keys = new Set<string>();
  let i = from + 1;
  const skip = (): void => {
    while (text[i] === ' ') i++;
  };
  const item = (): YamlNode => {
    skip();
    const ch = text[i];
    if (ch === '[' || ch === '{') {
      const read = flow(text, i);
      i = read.next;
      return read.node;
    }
    if (ch === '"' || ch === "'") {
      const read = quoted(text, i);
      i = read.next;
      return stringScalar(read.value, ch === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE');
    }
    let j = i;
    while (j < text.length && !',[]{}#'.includes(text[j] as string) && !(text[j] === ':' && (text[j + 1] === ' ' || text[j + 1] === ',' || text[j + 1] === close))) j++;
    const raw = text.slice(i, j).trimEnd();
    checkPlain(raw);
    i = j;
    return plainScalar(raw);
  };
  skip();
  if (text[i] === close) return { node, next: i + 1 };
  for (;;) {
    const first = item();
    skip();
    if (open === '{') {
      if (text[i] !== ':') throw UNSUPPORTED;
      i++;
      const keyText = (first as Scalar).source;
      if (!(first instanceof Scalar) || typeof keyText !== 'string' || keys.has(keyText)) throw UNSUPPORTED;
      keys.add(keyText);
      skip();
      if (text[i] === ',' || text[i] === close) throw UNSUPPORTED;
      const value = item();
      (node as YAMLMap).items.push(new Pair(first, value));
      skip();
    } else {
      if (text[i] === ':') throw UNSUPPORTED;
      (node as YAMLSeq).items.push(first);
    }
    if (text[i] === ',') {
      i++;
      skip();
      if (text[i] === close) throw UNSUPPORTED;
      continue;
    }
    if (text[i] === close) return { node, next: i + 1 };
    throw UNSUPPORTED;
  }
}

/**
 * Reads a multi-document YAML text when it lies in the supported subset; returns undefined
 * otherwise (the caller then uses the full parser).
 */
export function fastParseDocuments(text: string): FastDocument[] | undefined {
  // Only texts made of printable characters, spaces and newlines, ending in a newline.
  if (text.length === 0 || !text.endsWith('\n') || /[^\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufefe\uff00-\ufffd\ud800-\udfff]/.test(text)) return undefined;
  try {
    return new Reader(text).documents();
  } catch (error) {
    // Outside the subset, or nested past the stack (`[[[[…`): the full parser decides, with its
    // own limits and messages.
    if (error instanceof Unsupported || error instanceof RangeError) return undefined;
    throw error;
  }
}
