/**
 * A YAML printer that writes exactly what go-yaml v2's `Marshal` writes for kustomize's values.
 *
 * `kustomize build` prints each resource through go-yaml v2 (a port of libyaml): keys sorted in
 * its "natural" order, sequences not indented under their key, strings quoted only when they would
 * read back as another type, long lines folded at 80 columns, 4-byte characters escaped. Byte
 * identity with the Go binary depends on every one of those rules, so this follows libyaml's
 * emitter decisions (scalar analysis, style selection, indentation) rather than a generic printer.
 */
import { GoNumber, v2NeedsQuotes, type GoMap, type GoValue } from './go-value.ts';

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

type Style = 'plain' | 'single' | 'double' | 'literal';

/** What libyaml's scalar analysis decides about a string in block context. */
export interface ScalarAnalysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

function isPrintable(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}

function isBreak(cp: number): boolean {
  return cp === 0x0d || cp === 0x0a || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}

function isBlankOrEnd(cp: number | undefined): boolean {
  return cp === undefined || cp === 0x20 || cp === 0x09 || isBreak(cp) || cp === 0;
}

/** First characters that make a plain scalar read as something else: `#,[]{}&*!|>'"%@\``. */
const LEADING_INDICATORS = new Set([...'#,[]{}&*!|>\'"%@`'].map((ch) => ch.charCodeAt(0)));

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * `analyzeScalar` for a one-line printable ASCII string (most of a bundle: names, descriptions,
 * images), from a few searches instead of a walk over every character.
 */
export function analyzeAsciiLine(text: string): ScalarAnalysis {
  const first = text.charCodeAt(0);
  const followedBySpace = text.length === 1 || text.charCodeAt(1) === 0x20;
  const blockIndicators =
    text.startsWith('---') ||
    text.startsWith('...') ||
    LEADING_INDICATORS.has(first) ||
    ((first === 0x3f || first === 0x3a || first === 0x2d) && followedBySpace) ||
    text.indexOf(': ', 1) >= 0 ||
    (text.length > 1 && text.endsWith(':')) ||
    text.includes(' #');
  const leadingSpace = first === 0x20;
  const trailingSpace = text.charCodeAt(text.length - 1) === 0x20;
  return { multiline: false, blockPlainAllowed: !(leadingSpace || trailingSpace || blockIndicators), singleQuotedAllowed: true, blockAllowed: !trailingSpace };
}

/** libyaml's `yaml_emitter_analyze_scalar`, for block context, over the code points of `text`. */
function analyzeScalar(text: string): ScalarAnalysis {
  if (text.length > 0 && PRINTABLE_ASCII.test(text)) return analyzeAsciiLine(text);
  return analyzeScalarWalk(text);
}

/**
 * libyaml's scalar analysis the long way, character by character; exported so tests can hold the
 * one-line ASCII shortcut to it.
 */
export function analyzeScalarWalk(text: string): ScalarAnalysis {
  if (text.length === 0) return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  // A space or a line break first, or a line break last (a space last also rules out block styles).
  let blankEdge = false;
  let trailingSpace = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  if (text.startsWith('---') || text.startsWith('...')) blockIndicators = true;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) as number;
    const size = cp > 0xffff ? 2 : 1;
    const last = i + size >= text.length;
    const next = last ? undefined : text.codePointAt(i + size);
    const followedByWhitespace = next === undefined || next === 0x20 || next === 0x09;
    if (i === 0) {
      if (LEADING_INDICATORS.has(cp)) blockIndicators = true;
      else if ((cp === 0x3f || cp === 0x3a) && followedByWhitespace) blockIndicators = true;
      else if (cp === 0x2d && followedByWhitespace) blockIndicators = true;
    } else if (cp === 0x3a && followedByWhitespace) blockIndicators = true;
    else if (cp === 0x23 && precededByWhitespace) blockIndicators = true;
    if (!isPrintable(cp)) specialCharacters = true;
    if (cp === 0x20) {
      if (i === 0) blankEdge = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(cp)) {
      lineBreaks = true;
      if (i === 0 || last) blankEdge = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankOrEnd(cp);
    i += size;
  }
  const result: ScalarAnalysis = { multiline: lineBreaks, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };
  if (blankEdge || trailingSpace) result.blockPlainAllowed = false;
  if (trailingSpace) result.blockAllowed = false;
  if (breakSpace) {
    result.blockPlainAllowed = false;
    result.singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) {
    result.blockPlainAllowed = false;
    result.singleQuotedAllowed = false;
    result.blockAllowed = false;
  }
  if (lineBreaks) result.blockPlainAllowed = false;
  if (blockIndicators) result.blockPlainAllowed = false;
  return result;
}

/**
 * Whether libyaml may print `text` as a plain or a single-quoted scalar in block context; other
 * printers of Go YAML output (go-yaml v3 through `sops decrypt`) share these rules.
 */
export function blockScalarStylesAllowed(text: string): { plain: boolean; singleQuoted: boolean } {
  const analysis = analyzeScalar(text);
  return { plain: analysis.blockPlainAllowed, singleQuoted: analysis.singleQuotedAllowed };
}

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, '0');
}

const DOUBLE_ESCAPES: Record<number, string> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P',
};

/** Go-yaml v2 stream writer: libyaml's column/indent bookkeeping. */
class Writer {
  /** The output so far, as pieces joined once at the end (a flat string, not a rope of appends). */
  readonly out: string[] = [];
  column = 0;
  indent = -1;
  whitespace = true;
  indention = true;
  private readonly indents: number[] = [];

  put(text: string): void {
    this.out.push(text);
    this.column += text.length;
  }

  putBreak(): void {
    this.out.push('\n');
    this.column = 0;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    if (this.column < indent) this.put(' '.repeat(indent - this.column));
    this.whitespace = true;
    this.indention = true;
  }

  indicator(text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(text);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  popIndent(): void {
    this.indent = this.indents.pop() ?? -1;
  }
}

/** libyaml's write_break: a newline for LF, the break character itself otherwise. */
function writeBreak(w: Writer, cp: number): void {
  if (cp === 0x0a) w.putBreak();
  else {
    w.out.push(String.fromCodePoint(cp));
    w.column = 0;
  }
}

/**
 * Text written by the scalar writers below, a run of characters at a time: they decide per code
 * point as libyaml does, but copy the characters between two decisions as one slice (appending them
 * one by one made the output a rope of millions of one-character pieces — most of a large render's
 * time and memory).
 */
class Run {
  private start = 0;
  /** Code points pending in [start, current): the column they will add. */
  pending = 0;
  private readonly w: Writer;
  private readonly text: string;

  constructor(w: Writer, text: string) {
    this.w = w;
    this.text = text;
  }

  /** Writes the pending characters before index `end`; the next run starts at `from`. */
  flush(end: number, from = end): void {
    if (end > this.start) {
      this.w.out.push(this.text.slice(this.start, end));
      this.w.column += this.pending;
    }
    this.start = from;
    this.pending = 0;
  }

  get column(): number {
    return this.w.column + this.pending;
  }
}

function writePlain(w: Writer, text: string, allowBreaks: boolean): void {
  if (!w.whitespace) w.put(' ');
  writeFolding(w, text, allowBreaks, false);
  w.whitespace = false;
  w.indention = false;
}

function writeSingleQuoted(w: Writer, text: string, allowBreaks: boolean): void {
  w.indicator("'", true, false, false);
  writeFolding(w, text, allowBreaks, true);
  w.indicator("'", false, false, false);
  w.whitespace = false;
  w.indention = false;
}

/**
 * The text of a plain or single-quoted scalar: a space past the best width may become a line
 * break (in a quoted scalar never the first or last character), line breaks are written doubled
 * as folding needs, and in a quoted scalar each quote is doubled.
 */
function writeFolding(w: Writer, text: string, allowBreaks: boolean, quoted: boolean): void {
  const run = new Run(w, text);
  let spaces = false;
  let breaks = false;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) as number;
    const size = cp > 0xffff ? 2 : 1;
    if (cp === 0x20) {
      const inside = !quoted || (i > 0 && i + size < text.length);
      if (allowBreaks && !spaces && run.column > BEST_WIDTH && inside && text.charCodeAt(i + 1) !== 0x20) {
        run.flush(i, i + 1);
        w.writeIndent();
      } else run.pending++;
      spaces = true;
    } else if (isBreak(cp)) {
      run.flush(i, i + size);
      if (!breaks && cp === 0x0a) w.putBreak();
      writeBreak(w, cp);
      w.indention = true;
      breaks = true;
    } else {
      if (breaks) w.writeIndent();
      if (quoted && cp === 0x27) {
        run.flush(i);
        w.put("'");
      }
      run.pending++;
      w.indention = false;
      spaces = false;
      breaks = false;
    }
    i += size;
  }
  run.flush(text.length);
}

function writeDoubleQuoted(w: Writer, text: string, allowBreaks: boolean): void {
  let spaces = false;
  w.indicator('"', true, false, false);
  const run = new Run(w, text);
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) as number;
    const size = cp > 0xffff ? 2 : 1;
    if (!isPrintable(cp) || cp === 0xfeff || isBreak(cp) || cp === 0x22 || cp === 0x5c) {
      run.flush(i, i + size);
      const escape = DOUBLE_ESCAPES[cp];
      if (escape !== undefined) w.put('\\' + escape);
      else if (cp <= 0xff) w.put('\\x' + hex(cp, 2));
      else if (cp <= 0xffff) w.put('\\u' + hex(cp, 4));
      else w.put('\\U' + hex(cp, 8));
      spaces = false;
    } else if (cp === 0x20) {
      if (allowBreaks && !spaces && run.column > BEST_WIDTH && i > 0 && i + size < text.length) {
        run.flush(i, i + 1);
        w.writeIndent();
        if (text.charCodeAt(i + 1) === 0x20) w.put('\\');
      } else run.pending++;
      spaces = true;
    } else {
      run.pending++;
      spaces = false;
    }
    i += size;
  }
  run.flush(text.length);
  w.indicator('"', false, false, false);
  w.whitespace = false;
  w.indention = false;
}

function writeLiteral(w: Writer, text: string): void {
  w.indicator('|', true, false, false);
  const first = text.codePointAt(0);
  if (first !== undefined && (first === 0x20 || isBreak(first))) w.indicator(String(BEST_INDENT), false, false, false);
  let chomp = '';
  const lastCp = lastCodePoint(text);
  if (lastCp === undefined || !isBreak(lastCp)) chomp = '-';
  else if (text.length === 1) chomp = '+';
  else if (isBreak(text.charCodeAt(text.length - 2))) chomp = '+';
  if (chomp) w.indicator(chomp, false, false, false);
  w.putBreak();
  w.indention = true;
  w.whitespace = true;
  let breaks = true;
  const run = new Run(w, text);
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) as number;
    const size = cp > 0xffff ? 2 : 1;
    if (isBreak(cp)) {
      run.flush(i, i + size);
      writeBreak(w, cp);
      w.indention = true;
      breaks = true;
    } else {
      if (breaks) w.writeIndent();
      run.pending++;
      w.indention = false;
      breaks = false;
    }
    i += size;
  }
  run.flush(text.length);
}

function lastCodePoint(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const low = text.charCodeAt(text.length - 1);
  if (low >= 0xdc00 && low <= 0xdfff && text.length >= 2) {
    const high = text.charCodeAt(text.length - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(text.length - 2);
  }
  return low;
}

/** Raised for strings kustomize itself cannot print (it fails on them too). */
export class UnprintableError extends Error {}

/** Styles chosen for short strings, which repeat across a bundle (keys, types, small values). */
const styleCache = new Map<string, Style>();
const STYLE_CACHE_LIMIT = 50_000;

/** libyaml's choice of scalar style for `text` (already checked and with NEL folded). */
function chooseStyle(text: string, simpleKey: boolean): Style {
  const cacheKey = text.length <= 64 ? (simpleKey ? 'k' : 'v') + text : undefined;
  const cached = cacheKey === undefined ? undefined : styleCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let style: Style = text.includes('\n') ? 'literal' : v2NeedsQuotes(text) ? 'double' : 'plain';
  const analysis = analyzeScalar(text);
  if (simpleKey && analysis.multiline) style = 'double';
  if (style === 'plain') {
    if (!analysis.blockPlainAllowed) style = 'single';
    if (text.length === 0 && simpleKey) style = 'single';
  }
  if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double';
  if (style === 'literal' && (!analysis.blockAllowed || simpleKey)) style = 'double';
  if (cacheKey !== undefined) {
    if (styleCache.size >= STYLE_CACHE_LIMIT) styleCache.clear();
    styleCache.set(cacheKey, style);
  }
  return style;
}

function emitString(w: Writer, raw: string, simpleKey: boolean): void {
  // kustomize re-reads its JSON with go-yaml v2, whose reader refuses DEL and C1 controls and folds a
  // raw NEL inside a quoted string into a space.
  if (/[\u007f-\u0084\u0086-\u009f]/.test(raw)) throw new UnprintableError('yaml: control characters are not allowed');
  const text = raw.includes('\u0085') ? raw.replaceAll('\u0085', ' ') : raw;
  const style = chooseStyle(text, simpleKey);
  w.increaseIndent(true, false);
  const allowBreaks = !simpleKey;
  if (style === 'plain') writePlain(w, text, allowBreaks);
  else if (style === 'single') writeSingleQuoted(w, text, allowBreaks);
  else if (style === 'double') writeDoubleQuoted(w, text, allowBreaks);
  else writeLiteral(w, text);
  w.popIndent();
}

function emitToken(w: Writer, text: string): void {
  w.increaseIndent(true, false);
  if (!w.whitespace) w.put(' ');
  w.put(text);
  w.whitespace = false;
  w.indention = false;
  w.popIndent();
}

const isLetter = (ch: string): boolean => /\p{L}/u.test(ch);
const isDigit = (ch: string): boolean => /\p{Nd}/u.test(ch);

/** go-yaml v2's key order: letters before digits, digit runs compared as numbers. */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return (ac.codePointAt(0) as number) < (bc.codePointAt(0) as number);
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] as string); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai] as string); ai++) an = an * 10n + BigInt((ar[ai] as string).charCodeAt(0) - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi] as string); bi++) bn = bn * 10n + BigInt((br[bi] as string).charCodeAt(0) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return (ac.codePointAt(0) as number) < (bc.codePointAt(0) as number);
  }
  return ar.length < br.length;
}

const SIMPLE_ASCII_KEY = /^[a-zA-Z][a-zA-Z.\-/]*$/;

function compareKeys(a: string, b: string): number {
  // Fast path for the common Kubernetes keys, which order the same either way.
  if (SIMPLE_ASCII_KEY.test(a) && SIMPLE_ASCII_KEY.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (goYamlKeyLess(a, b)) return -1;
  if (goYamlKeyLess(b, a)) return 1;
  return 0;
}

function emitNode(w: Writer, value: GoValue, context: { mapping: boolean; simpleKey: boolean }): void {
  if (value === null) return emitToken(w, 'null');
  if (value === true) return emitToken(w, 'true');
  if (value === false) return emitToken(w, 'false');
  if (value instanceof GoNumber) return emitToken(w, value.text);
  if (typeof value === 'string') return emitString(w, value, context.simpleKey);
  if (Array.isArray(value)) {
    if (value.length === 0) {
      w.indicator('[', true, true, false);
      w.indicator(']', false, false, false);
      return;
    }
    w.increaseIndent(false, context.mapping && !w.indention);
    for (const item of value) {
      w.writeIndent();
      w.indicator('-', true, false, true);
      emitNode(w, item, { mapping: false, simpleKey: false });
    }
    w.popIndent();
    return;
  }
  emitMap(w, value);
}

function emitMap(w: Writer, map: GoMap): void {
  if (map.size === 0) {
    w.indicator('{', true, true, false);
    w.indicator('}', false, false, false);
    return;
  }
  w.increaseIndent(false, false);
  const keys = [...map.keys()].sort(compareKeys);
  for (const key of keys) {
    w.writeIndent();
    const simple = Buffer.byteLength(key) <= 128 && !analyzeScalar(key).multiline;
    if (simple) {
      emitString(w, key, true);
      w.indicator(':', false, false, false);
    } else {
      w.indicator('?', true, false, true);
      emitString(w, key, false);
      w.writeIndent();
      w.indicator(':', true, false, true);
    }
    emitNode(w, map.get(key) as GoValue, { mapping: true, simpleKey: false });
  }
  w.popIndent();
}

/** Prints one document (a resource) the way go-yaml v2 `Marshal` does, ending with a newline. */
export function emitGoYaml(value: GoValue): string {
  const w = new Writer();
  emitNode(w, value, { mapping: false, simpleKey: false });
  if (w.column !== 0) w.putBreak();
  return w.out.join('');
}
