/**
 * Scalars as the fast reader builds them: plain ones typed by the core schema exactly as the full
 * parser types them, standard `!!` tags resolved, quoted ones decoded, folded block content joined.
 * Anything these functions cannot build exactly as the full parser would throws `UNSUPPORTED`.
 */
import { Scalar, Schema } from 'yaml';
import { UNSUPPORTED } from './unsupported.ts';
import { scalarNode } from './nodes.ts';

interface ScalarTag {
  tag: string;
  collection?: string;
  test?: RegExp;
  default?: boolean;
  format?: string;
  resolve: (text: string, onError: (message: string) => void, options: { intAsBigInt: boolean }) => unknown;
}

const CORE_TAGS = (new Schema({ schema: 'core' }) as unknown as { tags: ScalarTag[] }).tags.filter((tag) => tag.collection === undefined);
// The plain-scalar resolvers of the core schema, in the order the full parser tries them.
const PLAIN_TAGS = CORE_TAGS.filter((tag) => tag.default === true && tag.test !== undefined);
// `!!name` on a scalar: the standard tags of the core schema the reader takes (others, local `!x`
// tags and tags on collections are the full parser's).
export const STANDARD_TAG = /!!(str|int|float|bool|null) +/y;
const RESOLVE_OPTIONS = { intAsBigInt: true };
// The core schema's scalar tags by full name (`tag:yaml.org,2002:int` has three), in schema order.
const TAGS_NAMED = Map.groupBy(CORE_TAGS, (tag) => tag.tag);

// The first characters a plain scalar the core schema resolves to anything but a string can start
// with (null `~`/`null`, booleans, numbers, `.inf`/`.nan`); any other plain scalar is a string
// without trying each resolver's pattern.
const TYPED_FIRST = new Set([...'~nNtTfF0123456789+-.']);

export function plainScalar(text: string): Scalar {
  let scalar: Scalar | undefined;
  if (text !== '' && !TYPED_FIRST.has(text[0] as string)) {
    scalar = scalarNode(text);
    scalar.source = text;
    scalar.type = 'PLAIN';
    return scalar;
  }
  for (const tag of PLAIN_TAGS) {
    if (!(tag.test as RegExp).test(text)) continue;
    let failed = false;
    const resolved = tag.resolve(text, () => (failed = true), RESOLVE_OPTIONS);
    if (failed) throw UNSUPPORTED;
    scalar = resolved instanceof Scalar ? resolved : scalarNode(resolved);
    if (tag.format) scalar.format = tag.format;
    break;
  }
  scalar ??= scalarNode(text);
  scalar.source = text;
  scalar.type = 'PLAIN';
  return scalar;
}

/**
 * A scalar read as `!!name`: its text resolved by that tag, as the full parser does (of the tags
 * with that name, the one that has no pattern, else the first whose pattern the text matches). A
 * text no resolver of the tag takes (`!!int abc`) is the full parser's to warn about.
 */
export function taggedScalar(read: Scalar, name: string): Scalar {
  const text = read.source as string;
  const candidates = TAGS_NAMED.get(name) ?? [];
  const tag =
    candidates.find((candidate) => !(candidate.default === true && candidate.test !== undefined)) ??
    candidates.find((candidate) => candidate.test?.test(text) === true);
  if (tag === undefined) throw UNSUPPORTED;
  let failed = false;
  const resolved = tag.resolve(text, () => (failed = true), RESOLVE_OPTIONS);
  if (failed) throw UNSUPPORTED;
  const scalar = resolved instanceof Scalar ? resolved : scalarNode(resolved);
  scalar.source = text;
  scalar.type = read.type as Scalar.Type;
  scalar.tag = name;
  if (tag.format) scalar.format = tag.format;
  return scalar;
}

export function stringScalar(value: string, type: Scalar.Type): Scalar {
  const scalar = scalarNode(value);
  scalar.source = value;
  scalar.type = type;
  return scalar;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

/**
 * Folds the content lines of a `>` scalar as YAML does: a line break between two lines of text
 * becomes a space, or disappears when blank lines follow it (each of which is a line break); around
 * more-indented lines every line break is kept.
 */
export function foldLines(lines: string[]): string {
  let out = '';
  let blanks = 0;
  let started = false;
  let previousText = false;
  for (const line of lines) {
    if (line === '') {
      blanks++;
      continue;
    }
    // A line starting with white space (a space or a tab) is a spaced line: its breaks are kept.
    const isText = line[0] !== ' ' && line[0] !== '\t';
    if (!started) out += '\n'.repeat(blanks);
    else if (previousText && isText) out += blanks > 0 ? '\n'.repeat(blanks) : ' ';
    else out += '\n'.repeat(blanks + 1);
    out += line;
    blanks = 0;
    started = true;
    previousText = isText;
  }
  return out;
}

/** Plain scalars the subset accepts: no indicator at the start, nothing the full grammar reads differently. */
export function checkPlain(raw: string): void {
  if (raw === '') throw UNSUPPORTED;
  const first = raw[0] as string;
  if ('&*!|>%@`\'"[]{},#'.includes(first)) throw UNSUPPORTED;
  if ((first === '-' || first === '?' || first === ':') && (raw.length === 1 || raw[1] === ' ')) throw UNSUPPORTED;
  if (raw.startsWith('---') || raw.startsWith('...')) throw UNSUPPORTED;
}

/** Index of the quote closing the quoted scalar that opens at `from` on this line, or -1. */
export function closingQuote(text: string, from: number): number {
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
export function quoted(text: string, from: number): { value: string; next: number } {
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
