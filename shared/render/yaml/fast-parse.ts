/**
 * A fast reader for the YAML that Kubernetes manifests are made of: block mappings and sequences,
 * plain and quoted scalars (also over several lines), literal and folded block scalars, flow
 * collections (pretty-printed JSON included), anchors and aliases, standard `!!` tags on scalars,
 * explicit `? key` entries, comments, CRLF line breaks and a missing final newline. It builds the
 * same `yaml` package nodes (values typed by its core schema, plain source text kept) as the full
 * parser followed by the renderer's alias expansion (aliases copied, merge keys applied: see
 * anchors.ts), several times faster and without the full parser's token stream, which is where
 * most of a large file's time went.
 *
 * It reads one document at a time: a document outside that subset — local tags or tags on
 * collections, keys that are collections, tabs other than inside a word or in block scalar content,
 * duplicate keys, anything odd or invalid — is handed back as text for the full parser, so results
 * and error messages never depend on which reader ran, and one odd document in a large file costs
 * only its own share of the slower parse. Directives and `...` end markers hand back the whole text.
 */
import type { Pair, YAMLMap, YAMLSeq } from 'yaml';
import { Lexer, Scalar, type Node as YamlNode } from 'yaml';
import { DocumentAnchors, isMergeKey, mergeKeys, type AnchorEntry } from './anchors.ts';
import { anchorName, findKeyEnd, hasLooseTab, indentOf, isExplicitKey, isSequenceItem, valueStart } from './lines.ts';
import { STANDARD_TAG, checkPlain, closingQuote, foldLines, plainScalar, quoted, stringScalar, taggedScalar } from './scalars.ts';
import { UNSUPPORTED, Unsupported } from './unsupported.ts';
import { mapNode, pairNode, seqNode } from './nodes.ts';

/** One document the fast reader produced (aliases and merge keys expanded), with the 1-based line its content starts on. */
export interface FastDocument {
  node: YamlNode;
  line: number;
}

/** A document left to the full parser: its text and the number of lines before it in the file. */
export interface DeferredDocument {
  text: string;
  lineOffset: number;
}

/** A document read, or one deferred to the full parser. */
export type DocumentPiece = ({ kind: 'read' } & FastDocument) | ({ kind: 'deferred' } & DeferredDocument);

/** Most nodes one document may copy for its aliases: the renderer's default limit (a caller may give its own). */
export const DEFAULT_MAX_ALIAS_NODES = 10_000;
// Nesting from which a document with aliases or merge keys is left to the full parser, whose
// expansion refuses trees nested past its own limit (500) with its own message.
const EXPANSION_DEPTH_GUARD = 400;

class Reader {
  private readonly lines: string[];
  /** Per line: where its content starts (the indentation), possibly moved right for compact items. */
  private readonly starts: number[];
  /** The text had no final line break: a block scalar running to its end loses the one it would get. */
  private readonly unterminated: boolean;
  private line = 0;
  private end = 0;
  /** The current document's anchors and the copies its aliases expand to. */
  private readonly anchors: DocumentAnchors;
  /** Collections open around the current position, and the most open at once in this document. */
  private depth = 0;
  private deepest = 0;
  /** Per line: it holds a tab the subset reads only as block scalar content (undefined: the text has no tab). */
  private readonly tabbed: boolean[] | undefined;
  /** Lines of the current document with such a tab, read as block scalar content. */
  private tabbedContent = 0;

  constructor(text: string, maxAliasNodes: number) {
    this.anchors = new DocumentAnchors(maxAliasNodes);
    this.unterminated = !text.endsWith('\n');
    this.lines = text.split('\n');
    // After a final newline the last entry is the empty rest after it.
    if (!this.unterminated) this.lines.pop();
    this.starts = this.lines.map(indentOf);
    if (text.includes('\t')) this.tabbed = this.lines.map(hasLooseTab);
  }

  /** Splits the text into documents and reads each, deferring those outside the subset. */
  documents(): DocumentPiece[] {
    const count = this.lines.length;
    // Each marker line starts a document; the text before the first one is a document too.
    const markers: number[] = [];
    for (let i = 0; i < count; i++) {
      const text = this.lines[i] as string;
      // The marker is followed by white space (a space or a tab) or the line's end.
      if (text.startsWith('---') && (text.length === 3 || text[3] === ' ' || text[3] === '\t')) markers.push(i);
      else if (text.startsWith('...') || text.startsWith('%')) throw UNSUPPORTED;
    }
    const out: DocumentPiece[] = [];
    for (let k = -1; k < markers.length; k++) {
      const marker = k < 0 ? -1 : (markers[k] as number);
      const to = k + 1 < markers.length ? (markers[k + 1] as number) : count;
      if (marker < 0 && to === 0) continue;
      const heading = marker < 0 ? '' : (this.lines[marker] as string).slice(3).trim();
      if (heading === '' || heading.startsWith('#')) {
        try {
          const doc = this.document(marker + 1, to, marker >= 0);
          if (doc) out.push({ kind: 'read', ...doc });
          continue;
        } catch (error) {
          // Outside the subset, or nested past the stack (`[[[[…`): the full parser decides, with its
          // own limits and messages.
          if (!(error instanceof Unsupported || error instanceof RangeError)) throw error;
        }
      }
      // A deferred document keeps its marker line, so the full parser reads it as in the file.
      // When the full parser would read the next marker as part of it (a quoted scalar left open
      // runs over the marker line), the rest of the text is the full parser's: one lex, not one a
      // marker, however many markers the open scalar runs over.
      const head = Math.max(marker, 0);
      if (to < count && this.runsOverMarker(this.textOf(head, to))) {
        out.push({ kind: 'deferred', text: this.textOf(head, count), lineOffset: head });
        break;
      }
      out.push({ kind: 'deferred', text: this.textOf(head, to), lineOffset: head });
    }
    return out;
  }

  /** Whether the full parser, reading `text` and then a `---` line, takes that line into the text's last token. */
  private runsOverMarker(text: string): boolean {
    let last: string | undefined;
    let beforeLast: string | undefined;
    for (const lexeme of new Lexer().lex(`${text}---\n`)) {
      beforeLast = last;
      last = lexeme;
    }
    return !(beforeLast === '---' && last === '\n');
  }

  /** The source text of lines `from` to `to` (exclusive), with the file's own final line break or none. */
  private textOf(from: number, to: number): string {
    const body = this.lines.slice(from, to).join('\n');
    return to >= this.lines.length && this.unterminated ? body : `${body}\n`;
  }

  private document(from: number, to: number, explicit: boolean): FastDocument | undefined {
    this.line = from;
    this.end = to;
    this.anchors.reset();
    this.depth = 0;
    this.deepest = 0;
    this.tabbedContent = 0;
    this.skipBlank();
    if (this.line >= this.end) {
      if (!explicit) return undefined;
      // An empty document is on its marker's line.
      return { node: plainScalar(''), line: from };
    }
    const line = this.line + 1;
    const node = this.node(-1);
    this.skipBlank();
    if (this.line < this.end) throw UNSUPPORTED;
    // A tab anywhere but in a word or in block scalar content (indentation, separation, around a
    // comment or an indicator) is the full parser's to accept or refuse, for this document alone.
    if (this.tabbed !== undefined) {
      let loose = 0;
      for (let i = from; i < to; i++) if (this.tabbed[i] === true) loose++;
      if (loose !== this.tabbedContent) throw UNSUPPORTED;
    }
    if (this.anchors.expansions > 0 && Math.max(this.deepest, this.anchors.deepest) >= EXPANSION_DEPTH_GUARD) throw UNSUPPORTED;
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
    if (findKeyEnd(text, indent) >= 0 || isExplicitKey(text, indent)) return this.mapping(indent);
    // A scalar on a line of its own (the root, or a value below its key).
    const scalar = this.inlineValue(text, indent, parent);
    return scalar;
  }

  private sequence(indent: number): YAMLSeq {
    const seq = seqNode();
    this.enter();
    while (this.line < this.end) {
      const text = this.lines[this.line] as string;
      if ((this.starts[this.line] as number) !== indent || !isSequenceItem(text, indent)) break;
      const { at, anchor } = valueStart(text, indent + 1);
      const anchored = this.openAnchor(anchor, text, at);
      let item: YamlNode;
      if (at >= text.length || text[at] === '#') {
        this.line++;
        item = this.valueBelow(indent, true);
      } else if (isSequenceItem(text, at)) {
        throw UNSUPPORTED;
      } else if (findKeyEnd(text, at) >= 0) {
        // `- key: value`: a mapping whose keys line up with this first one (an anchor here would
        // belong to the first key).
        if (anchor !== undefined) throw UNSUPPORTED;
        this.starts[this.line] = at;
        item = this.mapping(at);
      } else {
        item = this.inlineValue(text, at, indent);
      }
      if (anchored !== undefined) this.closeAnchor(anchored, item);
      seq.items.push(item);
      this.skipBlank();
    }
    this.depth--;
    return seq;
  }

  private mapping(indent: number): YAMLMap {
    const map = mapNode();
    // Keys compare by value, as the full parser's duplicate check does (`1` and `01` are one key).
    let keys: Set<unknown> | undefined;
    let merges = false;
    this.enter();
    while (this.line < this.end) {
      const text = this.lines[this.line] as string;
      const start = this.starts[this.line] as number;
      if (start < indent) break;
      if (start > indent || isSequenceItem(text, indent)) throw UNSUPPORTED;
      const explicit = isExplicitKey(text, indent);
      const keyEnd = explicit ? -1 : findKeyEnd(text, indent);
      if (!explicit && keyEnd < 0) throw UNSUPPORTED;
      const key = explicit ? this.explicitKey(text, indent) : this.key(text, indent, keyEnd);
      keys = addKey(map, key.value, keys); // a repeated key: the full parser reports it, with its line
      if (isMergeKey(key)) {
        this.anchors.mergeKey();
        merges = true;
      }
      // An explicit key's value follows the `:` that opens the next line.
      const line = this.lines[this.line] as string;
      const { at, anchor } = valueStart(line, explicit ? indent + 1 : keyEnd + 1);
      const anchored = this.openAnchor(anchor, line, at);
      let value: YamlNode;
      if (at >= line.length || line[at] === '#') {
        this.line++;
        value = this.valueBelow(indent, explicit);
      } else {
        value = this.inlineValue(line, at, indent, indent);
      }
      if (anchored !== undefined) this.closeAnchor(anchored, value);
      map.items.push(pairNode(key, value));
      this.skipBlank();
    }
    if (merges) map.items = mergeKeys(map.items as Pair[]);
    this.depth--;
    return map;
  }

  /** One more collection open around the current position. */
  private enter(): void {
    if (++this.depth > this.deepest) this.deepest = this.depth;
  }

  /** An anchor `&name` on the node starting at `at` (an anchored alias is the full parser's). */
  private openAnchor(anchor: { name: string } | undefined, text: string, at: number): AnchorEntry | undefined {
    if (anchor === undefined) return undefined;
    if (text[at] === '*') throw UNSUPPORTED;
    return this.anchors.open(anchor.name);
  }

  private closeAnchor(entry: AnchorEntry, node: YamlNode): void {
    setAnchor(node, entry.name);
    this.anchors.close(entry, node);
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

  /**
   * `? key` on one line, a plain or quoted scalar, with the line below it starting with the `:` of
   * its value at the same indentation; leaves the reader on that line. A key over several lines, a
   * collection as a key or a key with no `:` line is the full parser's.
   */
  private explicitKey(text: string, indent: number): Scalar {
    let from = indent + 1;
    while (text[from] === ' ') from++;
    const first = text[from];
    let key: Scalar;
    if (first === '"' || first === "'") {
      const { value, next } = quoted(text, from);
      if (next !== text.length) throw UNSUPPORTED;
      key = stringScalar(value, first === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE');
    } else {
      const raw = text.slice(from).trimEnd();
      checkPlain(raw);
      if (raw.includes(': ') || raw.endsWith(':') || raw.includes(' #')) throw UNSUPPORTED;
      key = plainScalar(raw);
    }
    const below = this.line + 1;
    const colon = this.lines[below];
    if (
      below >= this.end ||
      colon === undefined ||
      this.starts[below] !== indent ||
      colon[indent] !== ':' ||
      !(colon.length === indent + 1 || colon[indent + 1] === ' ')
    )
      throw UNSUPPORTED;
    this.line = below;
    return key;
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

  /**
   * A value that starts on the current line at `at`; the node owning it is indented `parent`.
   * `mapIndent` is the indentation of the mapping whose value this is, which a block scalar's
   * indentation indicator counts from.
   */
  private inlineValue(text: string, at: number, parent: number, mapIndent?: number): YamlNode {
    const first = text[at];
    if (first === '|' || first === '>') return this.blockScalar(text, at, parent, mapIndent);
    if (first === '!') return this.tagged(text, at, parent, mapIndent);
    let node: YamlNode;
    let next: number;
    if (first === '*') {
      let end = at + 1;
      while (end < text.length && text[end] !== ' ') end++;
      node = this.anchors.alias(anchorName(text.slice(at + 1, end)), this.depth);
      next = end;
    } else if ((first === '"' || first === "'") && closingQuote(text, at) < 0) {
      return this.multiLineQuoted(text, at, parent);
    } else if (first === '"' || first === "'") {
      const read = quoted(text, at);
      node = stringScalar(read.value, first === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE');
      next = read.next;
    } else if (first === '[' || first === '{') {
      const read = this.flow(at, parent);
      node = read.node;
      next = read.next;
      // The collection may have ended on a later line: the rest of that line is what follows it.
      text = this.lines[this.line] as string;
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

  /** A flow scalar (plain or quoted) after a standard `!!` tag. */
  private tagged(text: string, at: number, parent: number, mapIndent: number | undefined): Scalar {
    STANDARD_TAG.lastIndex = at;
    const match = STANDARD_TAG.exec(text);
    if (match === null) throw UNSUPPORTED;
    const from = at + match[0].length;
    const next = text[from];
    if (next === undefined || '#&*!|>[{'.includes(next)) throw UNSUPPORTED;
    const read = this.inlineValue(text, from, parent, mapIndent);
    if (!(read instanceof Scalar) || typeof read.source !== 'string') throw UNSUPPORTED;
    return taggedScalar(read, `tag:yaml.org,2002:${match[1] as string}`);
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
      // A comment line ends a one-line scalar (what follows is checked by the caller).
      if (part.startsWith('#') && !continued) break;
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
    // In a double-quoted scalar a backslash ending a line escapes the line break: the lines join
    // with nothing between them. One followed by spaces is left to the full parser.
    const escapedBreak = (i: number): boolean => quote === '"' && i < lines.length - 1 && /(^|[^\\])(\\\\)*\\$/.test(lines[i] as string);
    if (quote === '"' && lines.some((line, i) => i < lines.length - 1 && /\\\s+$/.test(line))) throw UNSUPPORTED;
    let folded = escapedBreak(0) ? (lines[0] as string).slice(0, -1) : (lines[0] as string).trimEnd();
    let blanks = 0;
    let joinTight = escapedBreak(0);
    for (let i = 1; i < lines.length; i++) {
      const isLast = i === lines.length - 1;
      const escaped = escapedBreak(i);
      const raw = lines[i] as string;
      const line = isLast ? raw.trimStart() : escaped ? raw.trimStart().slice(0, -1) : raw.trim();
      if (line === '' && !isLast && !escaped) {
        if (joinTight) throw UNSUPPORTED;
        blanks++;
        continue;
      }
      if (!joinTight) folded += blanks > 0 ? '\n'.repeat(blanks) : ' ';
      folded += line;
      blanks = 0;
      joinTight = escaped;
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

  /**
   * A block scalar (`|` literal or `>` folded, with chomping `-`/`+` and an indentation indicator)
   * and the lines below it. An indicator counts from `mapIndent`, the owning mapping's indentation.
   */
  private blockScalar(text: string, at: number, parent: number, mapIndent: number | undefined): Scalar {
    const folded = text[at] === '>';
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    let indicator = 0;
    let i = at + 1;
    for (let n = 0; n < 2; n++) {
      const ch = text[i];
      if (chomp === 'clip' && (ch === '-' || ch === '+')) {
        chomp = ch === '-' ? 'strip' : 'keep';
        i++;
      } else if (indicator === 0 && ch !== undefined && ch >= '1' && ch <= '9') {
        indicator = Number(ch);
        i++;
      }
    }
    const rest = text.slice(i);
    if (rest.trim() !== '' && !/^ +#/.test(rest)) throw UNSUPPORTED;
    if (indicator > 0 && mapIndent === undefined) throw UNSUPPORTED;
    this.line++;
    let contentIndent = indicator > 0 ? (mapIndent as number) + indicator : -1;
    let started = false;
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
      } else if (start < contentIndent) {
        if (!started && start > parent) throw UNSUPPORTED; // under-indented first line: the full parser's error
        break;
      }
      // Past the indentation a tab is content, once that indentation is known and the line holds text.
      const content = line.slice(contentIndent);
      if (this.tabbed?.[this.line] === true && contentIndent >= 0 && started && /[^ \t]/.test(content)) this.tabbedContent++;
      started = true;
      body.push(content);
      this.line++;
    }
    const type = folded ? 'BLOCK_FOLDED' : 'BLOCK_LITERAL';
    if (!started) {
      // Nothing but blank lines: they belong after the scalar, which is empty.
      if (chomp === 'keep' && body.length > 0) throw UNSUPPORTED;
      this.line -= body.length;
      return stringScalar('', type);
    }
    if (this.unterminated && this.line >= this.lines.length && body[body.length - 1] === '') throw UNSUPPORTED;
    // Trailing blank lines: chomping decides; the lines themselves are given back to the caller.
    let trailing = 0;
    while (trailing < body.length && body[body.length - 1 - trailing] === '') trailing++;
    const lines = body.slice(0, body.length - trailing);
    let value = folded ? foldLines(lines) : lines.join('\n');
    if (chomp === 'clip') value += '\n';
    else if (chomp === 'keep') value += '\n'.repeat(trailing + 1);
    // At the very end of a text without a final line break go-yaml adds no line break (kustomize prints `|-`).
    const scalar = stringScalar(value, type);
    if (this.unterminated && this.line >= this.lines.length && value.endsWith('\n')) scalar.value = value.slice(0, -1);
    return scalar;
  }

  /**
   * A flow collection (`[a, "b"]`, `{k: v}`, nested) opening at `from` on the current line. It may
   * go on over the following lines, each indented deeper than `parent`; a key, its `:` and its
   * value stay on one line and plain scalars on one line each. Leaves the reader on the line where
   * the collection closes and returns the index after its closing bracket.
   */
  private flow(from: number, parent: number): { node: YAMLSeq | YAMLMap; next: number } {
    let text = this.lines[this.line] as string;
    const open = text[from];
    const close = open === '[' ? ']' : '}';
    const node = open === '[' ? seqNode() : mapNode();
    node.flow = true;
    let keys: Set<unknown> | undefined;
    let merges = false;
    let i = from + 1;
    this.enter();
    // The collection closes at `i`: its merge keys are applied and the reader moves out of it.
    const closed = (): { node: YAMLSeq | YAMLMap; next: number } => {
      if (merges) (node as YAMLMap).items = mergeKeys((node as YAMLMap).items as Pair[]);
      this.depth--;
      return { node, next: i + 1 };
    };
    const skipSpaces = (): void => {
      while (text[i] === ' ') i++;
    };
    // Spaces, comments and line breaks between the parts of the collection.
    const skip = (): void => {
      for (;;) {
        skipSpaces();
        if (i < text.length && !(text[i] === '#' && text[i - 1] === ' ')) return;
        this.line++;
        if (this.line >= this.end) throw UNSUPPORTED;
        text = this.lines[this.line] as string;
        const start = this.starts[this.line] as number;
        if (start < text.length && text[start] !== '#' && start <= parent) throw UNSUPPORTED;
        i = start;
      }
    };
    const item = (): YamlNode => {
      const ch = text[i];
      if (ch === '[' || ch === '{') {
        const read = this.flow(i, parent);
        text = this.lines[this.line] as string;
        i = read.next;
        return read.node;
      }
      if (ch === '"' || ch === "'") {
        const read = quoted(text, i);
        i = read.next;
        return stringScalar(read.value, ch === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE');
      }
      if (ch === '*') {
        let j = i + 1;
        while (j < text.length && !' ,[]{}'.includes(text[j] as string)) j++;
        const copy = this.anchors.alias(anchorName(text.slice(i + 1, j)), this.depth);
        i = j;
        return copy;
      }
      let j = i;
      while (
        j < text.length &&
        !',[]{}#'.includes(text[j] as string) &&
        !(text[j] === ':' && (text[j + 1] === ' ' || text[j + 1] === ',' || text[j + 1] === close))
      )
        j++;
      const raw = text.slice(i, j).trimEnd();
      checkPlain(raw);
      i = j;
      return plainScalar(raw);
    };
    skip();
    if (text[i] === close) return closed();
    for (;;) {
      // An alias as a key is the full parser's.
      if (open === '{' && text[i] === '*') throw UNSUPPORTED;
      const first = item();
      if (open === '{') {
        skipSpaces();
        if (text[i] !== ':') throw UNSUPPORTED;
        i++;
        if (!(first instanceof Scalar) || typeof first.source !== 'string') throw UNSUPPORTED;
        keys = addKey(node as YAMLMap, first.value, keys);
        if (isMergeKey(first)) {
          this.anchors.mergeKey();
          merges = true;
        }
        skipSpaces();
        if (i >= text.length || text[i] === ',' || text[i] === close || text[i] === '#') throw UNSUPPORTED;
        const value = item();
        (node as YAMLMap).items.push(pairNode(first, value));
        skip();
      } else {
        skip();
        if (text[i] === ':') throw UNSUPPORTED;
        (node as YAMLSeq).items.push(first);
      }
      if (text[i] === ',') {
        i++;
        skip();
        if (text[i] === close) throw UNSUPPORTED;
        continue;
      }
      if (text[i] === close) return closed();
      throw UNSUPPORTED;
    }
  }
}

// Up to this many keys a new key is compared with a scan of the mapping's pairs (most mappings are
// small, and a set for each costs more than the scan); past it, through a set of them.
const FEW_KEYS = 12;

/**
 * Refuses a key equal to one `map` already has (compared by value as a set compares, `NaN` equal
 * to itself); returns the set of its keys once the mapping has many, to pass with the next key.
 */
function addKey(map: YAMLMap, value: unknown, index: Set<unknown> | undefined): Set<unknown> | undefined {
  const pairs = map.items as Pair<Scalar>[];
  if (index === undefined && pairs.length < FEW_KEYS) {
    for (const pair of pairs) {
      const key = pair.key.value;
      if (key === value || (key !== key && value !== value)) throw UNSUPPORTED;
    }
    return undefined;
  }
  index ??= new Set(pairs.map((pair) => pair.key.value));
  if (index.has(value)) throw UNSUPPORTED;
  index.add(value);
  return index;
}

/** Puts an anchor on a node; an anchored empty value is left to the full parser. */
function setAnchor(node: YamlNode, name: string): void {
  if (node instanceof Scalar && node.type === 'PLAIN' && node.source === '') throw UNSUPPORTED;
  node.anchor = name;
}

// Characters the reader takes: printable ones, spaces, tabs and line breaks (no controls).
const OUTSIDE_SUBSET = /[^\t\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufefe\uff00-\ufffd\ud800-\udfff]/;

/**
 * Reads a multi-document YAML text document by document: each document in the supported subset as
 * nodes, each other one as its text for the full parser. Undefined when the whole text is for the
 * full parser (directives, `...` markers, a lone carriage return, characters outside the subset).
 */
export function readDocuments(text: string, maxAliasNodes = DEFAULT_MAX_ALIAS_NODES): DocumentPiece[] | undefined {
  if (text.length === 0) return undefined;
  // CRLF line breaks read as LF ones; a carriage return on its own is left to the full parser.
  const normalized = text.includes('\r') ? text.replaceAll('\r\n', '\n') : text;
  if (OUTSIDE_SUBSET.test(normalized)) return undefined;
  try {
    return new Reader(normalized, maxAliasNodes).documents();
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

/**
 * Reads a multi-document YAML text when every document lies in the supported subset; returns
 * undefined otherwise (the caller then uses the full parser).
 */
export function fastParseDocuments(text: string): FastDocument[] | undefined {
  const pieces = readDocuments(text);
  if (pieces === undefined || pieces.some((piece) => piece.kind === 'deferred')) return undefined;
  return pieces.map((piece) => ({ node: (piece as FastDocument).node, line: (piece as FastDocument).line }));
}
