/**
 * Reading files of a repository safely: every path is resolved inside the render root (symlinks
 * included), files are size-capped, YAML is parsed with alias expansion bounded, and every error
 * names the file and line.
 */
import { lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  LineCounter,
  Pair as YamlPair,
  Scalar,
  YAMLMap,
  YAMLSeq,
  parseAllDocuments,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  isPair,
  isDocument,
  visit,
  type Alias,
  type Node as YamlNode,
  type Document,
} from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { cloneNode } from './resource.ts';
import { isMergeKey, mergeKeys } from './yaml/anchors.ts';
import { DEFAULT_MAX_ALIAS_NODES, readDocuments, type DeferredDocument } from './yaml/fast-parse.ts';

/** Caps that keep a hostile repository from exhausting a Lambda. */
export interface RenderLimits {
  /** Largest file read, in bytes. */
  maxFileBytes: number;
  /** Most objects in one rendered bundle. */
  maxObjects: number;
  /** Most YAML nodes one document may expand to through aliases. */
  maxAliasCount: number;
  /** Deepest chain of nested kustomizations. */
  maxDepth: number;
  /** Most files read during one render. */
  maxFiles: number;
}

/** Caps used when the caller sets none: generous for real fleets, small enough for a Lambda. */
export const DEFAULT_LIMITS: RenderLimits = {
  maxFileBytes: 4 * 1024 * 1024,
  maxObjects: 20_000,
  maxAliasCount: DEFAULT_MAX_ALIAS_NODES,
  maxDepth: 50,
  maxFiles: 20_000,
};

/**
 * File access confined to one directory tree. Calls are synchronous underneath: a render reads
 * hundreds of small files and the promise machinery would cost more than the reads themselves.
 */
export class RootedFs {
  readonly root: string;
  readonly limits: RenderLimits;
  private filesRead = 0;
  private realRoot: string | undefined;
  /**
   * Contents read in place of files on disk (absolute path → bytes): decrypted generator inputs,
   * which the render must see as Flux does after decrypting in place, without writing to the checkout.
   */
  readonly overlay = new Map<string, Buffer>();

  constructor(root: string, limits: RenderLimits) {
    this.root = path.resolve(root);
    this.limits = limits;
  }

  /** Path relative to the root, for messages. */
  display(absolute: string): string {
    const rel = path.relative(this.root, absolute);
    return rel === '' ? '.' : rel.split(path.sep).join('/');
  }

  /**
   * Resolves `ref` (relative to `fromDir`) to an absolute path inside the root, refusing absolute
   * paths, `..` past the root and symlinks whose target lies outside it.
   */
  async resolve(fromDir: string, ref: string, referencedFrom: string): Promise<string> {
    const target = this.confine(fromDir, ref, referencedFrom);
    let real: string;
    try {
      real = this.realpath(target);
    } catch {
      throw new InvalidInputError(`"${ref}" does not exist`, { source: { file: referencedFrom } });
    }
    this.realRoot ??= realpathSync(this.root);
    await Promise.resolve();
    const relReal = path.relative(this.realRoot, real);
    if (relReal.startsWith('..') || path.isAbsolute(relReal)) {
      throw new InvalidInputError(`"${ref}" is a symlink pointing outside the repository root`, { source: { file: referencedFrom } });
    }
    return target;
  }

  /**
   * `ref` (relative to `fromDir`) as an absolute path, refused — without looking at the disk, so
   * the answer says nothing about what exists outside — when it is absolute or climbs past the root.
   */
  confine(fromDir: string, ref: string, referencedFrom: string): string {
    if (path.isAbsolute(ref) || /^[a-zA-Z]:[\\/]/.test(ref)) {
      throw new InvalidInputError(`absolute path "${ref}" is not allowed; paths must be relative to the repository`, { source: { file: referencedFrom } });
    }
    const target = path.resolve(fromDir, ref);
    if (!this.isInside(target)) {
      throw new InvalidInputError(`path "${ref}" points outside the repository root`, { source: { file: referencedFrom } });
    }
    return target;
  }

  /**
   * The real path of a path already resolved inside the root (symlinks followed), for telling
   * whether two paths are the same directory; the path itself when it cannot be resolved.
   */
  identity(absolute: string): string {
    try {
      return this.realpath(absolute);
    } catch {
      return absolute;
    }
  }

  private readonly realpaths = new Map<string, string>();

  private realpath(absolute: string): string {
    let real = this.realpaths.get(absolute);
    if (real === undefined) {
      real = realpathSync(absolute);
      this.realpaths.set(absolute, real);
    }
    return real;
  }

  private isInside(absolute: string): boolean {
    const rel = path.relative(this.root, absolute);
    return !(rel.startsWith('..') || path.isAbsolute(rel));
  }

  async isDirectory(absolute: string): Promise<boolean> {
    await Promise.resolve();
    try {
      return statSync(absolute).isDirectory();
    } catch {
      return false;
    }
  }

  async exists(absolute: string): Promise<boolean> {
    await Promise.resolve();
    try {
      return lstatSync(absolute, { throwIfNoEntry: false }) !== undefined;
    } catch (error) {
      // A path through a file (`file.yaml/kustomization.yaml`) names nothing, as a missing one does.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') return false;
      throw new InvalidInputError(`cannot be looked up (${String(code)})`, { source: { file: this.display(absolute) }, cause: error });
    }
  }

  /** Reads a file inside the root, refusing files over the size cap. */
  async read(absolute: string): Promise<Buffer> {
    if (++this.filesRead > this.limits.maxFiles) {
      throw new InvalidInputError(`more than ${this.limits.maxFiles} files read; the tree is too large`, { source: { file: this.display(absolute) } });
    }
    await Promise.resolve();
    const replaced = this.overlay.get(absolute);
    if (replaced !== undefined) return replaced;
    const where = { source: { file: this.display(absolute) } };
    let info;
    try {
      info = statSync(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InvalidInputError(code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(code)})`, { ...where, cause: error });
    }
    // Regular files only: a directory fails with EISDIR, and a FIFO or device would block the read
    // (a local tree can hold them; Git stores none).
    if (info.isDirectory()) throw new InvalidInputError('is a directory, not a file', where);
    if (!info.isFile()) throw new InvalidInputError('is not a regular file', where);
    if (info.size > this.limits.maxFileBytes) {
      throw new InvalidInputError(`file is ${info.size} bytes, over the ${this.limits.maxFileBytes}-byte limit`, where);
    }
    try {
      return readFileSync(absolute);
    } catch (error) {
      throw new InvalidInputError(`cannot be read (${String((error as NodeJS.ErrnoException).code)})`, { ...where, cause: error });
    }
  }

  async readText(absolute: string): Promise<string> {
    return (await this.read(absolute)).toString('utf8');
  }

  /** Per file read so far: its text after the first reading, its pristine nodes from the second on. */
  private readonly parsed = new Map<string, ParsedDocument[] | string>();

  /**
   * Parsed documents of a YAML file; every caller gets nodes of its own to transform. Most files
   * are read once, so the first caller gets the parsed nodes themselves and only the text is kept
   * (no copy, no second tree in memory); a file read again (a base several overlays include) is
   * parsed once more and kept as the pristine tree each later reader gets a copy of.
   */
  async readYaml(absolute: string): Promise<ParsedDocument[]> {
    const seen = this.parsed.get(absolute);
    if (seen === undefined) {
      const text = await this.readText(absolute);
      const docs = parseYamlDocuments(text, this.display(absolute), this.limits.maxAliasCount);
      this.parsed.set(absolute, text);
      return docs;
    }
    let docs: ParsedDocument[];
    if (typeof seen === 'string') {
      docs = parseYamlDocuments(seen, this.display(absolute), this.limits.maxAliasCount);
      this.parsed.set(absolute, docs);
    } else docs = seen;
    return docs.map((doc) => ({ node: doc.node === null ? null : cloneNode(doc.node), line: doc.line }));
  }

  /** Directory entries sorted by name, as Go's `filepath.Walk` visits them. */
  async list(absolute: string): Promise<{ name: string; dir: boolean; link: boolean }[]> {
    await Promise.resolve();
    const entries = readdirSync(absolute, { withFileTypes: true });
    return entries
      .map((entry) => ({ name: entry.name, dir: entry.isDirectory(), link: entry.isSymbolicLink() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** Nesting beyond which alias expansion refuses a document. */
const MAX_EXPANSION_DEPTH = 500;

interface AliasWalk {
  /** The node each alias refers to (undefined: no such anchor). */
  targets: Map<Alias, unknown>;
  /** Collections holding an alias or a merge key somewhere below: expansion rebuilds them. */
  changing: Set<unknown>;
  /** Of those, the ones no alias can reach (under no anchor): rebuilt in place, not copied. */
  mutable: Set<unknown>;
  /** The tree is nested past the expansion limit (then every node is copied, to fail where it used to). */
  tooDeep: boolean;
}

/**
 * One walk over a tree: what each alias refers to — the last node anchored with its name before
 * it, in the order keys and values are written (the parser's rule) — and which collections
 * expansion must rebuild. Asking the parser per alias walked the whole document each time, and
 * copying every node (the parser's `clone` copies a pair's whole subtree again at each level) was
 * quadratic too: a large file with many aliases took minutes.
 */
function walkAliases(root: unknown): AliasWalk {
  const walk: AliasWalk = { targets: new Map(), changing: new Set(), mutable: new Set(), tooDeep: false };
  const latest = new Map<string, unknown>();
  // Recursion stops at the depth limit, so the stack stays small; expansion fails there anyway
  // before it meets anything deeper.
  const visitNode = (node: unknown, depth: number, anchored: boolean): boolean => {
    if (isAlias(node)) {
      walk.targets.set(node, latest.get(node.source));
      return true;
    }
    if (!(isScalar(node) || isMap(node) || isSeq(node))) return false;
    if (node.anchor) latest.set(node.anchor, node);
    if (isScalar(node)) return false;
    const reachable = anchored || node.anchor !== undefined;
    if (depth >= MAX_EXPANSION_DEPTH) {
      walk.tooDeep = true;
      return true;
    }
    let changes = false;
    if (isSeq(node)) {
      for (const item of node.items) if (visitNode(item, depth + 1, reachable)) changes = true;
    } else {
      for (const pair of node.items) {
        if (isMergeKey(pair.key)) changes = true;
        if (visitNode(pair.key, depth + 1, reachable)) changes = true;
        if (visitNode(pair.value, depth + 1, reachable)) changes = true;
      }
    }
    if (changes) walk.changing.add(node);
    if (changes && !reachable) walk.mutable.add(node);
    return changes;
  };
  visitNode(root, 0, false);
  return walk;
}

/** Replaces every alias with a copy of its anchored node, counting nodes so alias bombs fail fast. */
function expandAliases(root: unknown, file: string, maxNodes: number, lineAt: (offset: number) => number): unknown {
  const { targets, changing, mutable, tooDeep } = walkAliases(root);
  // Only nodes produced by expanding an alias count against the budget, so a large document that
  // uses one anchor is fine while a billion-laughs document stops early.
  let budget = maxNodes;
  const copy = (node: unknown, depth: number, expanding = false): unknown => {
    // Outside an alias, a subtree with nothing to expand stays as it is (it would be copied as is).
    if (!expanding && !tooDeep && !changing.has(node) && !isAlias(node)) return node;
    if ((expanding && --budget < 0) || depth > MAX_EXPANSION_DEPTH) {
      const offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
      throw new InvalidInputError(`YAML aliases expand to more than ${maxNodes} nodes (alias bomb?)`, {
        source: { file, ...(offset === undefined ? {} : { line: lineAt(offset) }) },
      });
    }
    if (isAlias(node)) {
      const anchored = targets.get(node);
      if (anchored === undefined) {
        // go-yaml refuses an alias to no anchor ("unknown anchor"); it is not a null.
        const offset = node.range?.[0];
        throw new InvalidInputError(`invalid YAML: unknown anchor "${node.source}" referenced`, {
          source: { file, ...(offset === undefined ? {} : { line: lineAt(offset) }) },
        });
      }
      return copy(anchored, depth + 1, true);
    }
    // Copies keep every own property (style, source text, range) without the parser's `clone`,
    // which also deep-copies what is replaced here anyway. A collection no alias reaches is the
    // only one of its kind in the result: it is rebuilt in place.
    const inPlace = !expanding && mutable.has(node);
    if (isScalar(node)) return Object.assign(new Scalar(node.value), node);
    if (isSeq(node)) {
      const out = inPlace ? node : Object.assign(new YAMLSeq(node.schema), node);
      out.items = node.items.map((item) => copy(item, depth + 1, expanding));
      return out;
    }
    if (isMap(node)) {
      const out = inPlace ? node : Object.assign(new YAMLMap(node.schema), node);
      const pairs = node.items.map((pair) => {
        const key = copy(pair.key, depth + 1, expanding);
        const value = copy(pair.value, depth + 1, expanding);
        if (!inPlace) return new YamlPair(key, value);
        pair.key = key;
        pair.value = value;
        return pair;
      });
      out.items = mergeKeys(pairs);
      return out;
    }
    return node;
  };
  return copy(root, 0);
}

/** Expands a document's aliases and merge keys when it has any (they are rare: most texts skip the walk). */
function expandDocumentAliases(doc: Document, text: string, file: string, maxNodes: number, lineAt: (offset: number) => number): void {
  const hasMergeKey = text.includes('<<');
  if (!text.includes('*') && !hasMergeKey) return;
  let hasAlias = hasMergeKey;
  visit(doc, {
    Alias() {
      hasAlias = true;
      return visit.BREAK;
    },
  });
  if (!hasAlias) return;
  doc.contents = expandAliases(doc.contents, file, maxNodes, lineAt) as typeof doc.contents;
}

/**
 * Offset of the first key that repeats an earlier key of the same map (equal scalar values, or
 * the same node), the parser's rule; undefined when there is none. One pass with a set per map,
 * iterative so a deeply nested document cannot overflow the stack.
 */
export function firstDuplicateKey(root: unknown): number | undefined {
  let first: number | undefined;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) {
      for (const item of node.items) if (isMap(item) || isSeq(item)) stack.push(item);
    } else if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        const identity = isScalar(key) ? key.value : key;
        if (seen.has(identity)) {
          const offset = (key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
          if (first === undefined || offset < first) first = offset;
        } else seen.add(identity);
        if (isMap(key) || isSeq(key)) stack.push(key);
        const value = pair.value;
        if (isMap(value) || isSeq(value)) stack.push(value);
      }
    }
  }
  return first;
}

/**
 * A block scalar (`|`, `>`, `|+`, …) that runs to the very end of a text without a final line break
 * has no trailing newline in go-yaml (so kustomize prints `|-`), while the parser here adds one.
 */
function trimBlockScalarAtEnd(doc: Document, text: string): void {
  if (text.length === 0 || text.endsWith('\n')) return;
  visit(doc, {
    Scalar(_key, node) {
      if ((node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED') || node.range?.[1] !== text.length) return;
      if (typeof node.value === 'string' && node.value.endsWith('\n')) node.value = node.value.slice(0, -1);
      return visit.BREAK;
    },
  });
}

/** One parsed YAML document with the line it starts on. */
export interface ParsedDocument {
  node: YamlNode | null;
  line: number;
}

/**
 * Parses a multi-document YAML text. Plain scalars keep their source text, from which numbers,
 * booleans and timestamps are typed later exactly as kustomize's Go YAML library would.
 */
export function parseYamlDocuments(text: string, file: string, maxAliasCount: number): ParsedDocument[] {
  // The common shapes of Kubernetes YAML are read by a fast reader building the same nodes; any
  // document outside them goes to the full parser, one document at a time.
  const pieces = readDocuments(text, maxAliasCount);
  if (pieces === undefined) return parseWithLibrary({ text, lineOffset: 0 }, file, maxAliasCount);
  try {
    const out: ParsedDocument[] = [];
    for (const piece of pieces) {
      if (piece.kind === 'deferred') out.push(...parseWithLibrary(piece, file, maxAliasCount));
      else out.push({ node: piece.node, line: piece.line });
    }
    return out;
  } catch (error) {
    // A refused text is read again whole by the full parser, so the error is the one it gives for
    // the file (a document read alone can fail elsewhere, and the fast reader's nodes carry no
    // positions for a line).
    if (!(error instanceof InvalidInputError)) throw error;
    return parseWithLibrary({ text, lineOffset: 0 }, file, maxAliasCount);
  }
}

/**
 * Parses a multi-document YAML text with the full parser alone, never the fast reader: the reading
 * every result of `parseYamlDocuments` must equal (its tests compare the two on generated texts).
 */
export function parseYamlDocumentsFully(text: string, file: string, maxAliasCount: number): ParsedDocument[] {
  return parseWithLibrary({ text, lineOffset: 0 }, file, maxAliasCount);
}

/** The full parser's reading of a text (a whole file, or one document of it `lineOffset` lines down). */
function parseWithLibrary({ text, lineOffset }: DeferredDocument, file: string, maxAliasCount: number): ParsedDocument[] {
  const lines = new LineCounter();
  const lineAt = (offset: number): number => lines.linePos(offset).line + lineOffset;
  // The parser's own duplicate-key check compares each key with every earlier one of its map
  // (quadratic: a 150,000-key ConfigMap took minutes); duplicates are found below in linear time.
  const docs = parseAllDocuments(text, { schema: 'core', lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: false, intAsBigInt: true });
  const list = Array.isArray(docs) ? docs : [];
  const out: ParsedDocument[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) throw new InvalidInputError(`invalid YAML: ${error.message.split('\n')[0]}`, { source: { file, line: lineAt(error.pos[0]) } });
    const duplicate = firstDuplicateKey(doc.contents);
    if (duplicate !== undefined) throw new InvalidInputError('invalid YAML: Map keys must be unique', { source: { file, line: lineAt(duplicate) } });
    expandDocumentAliases(doc, text, file, maxAliasCount, lineAt);
    trimBlockScalarAtEnd(doc, text);
    const start = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
    out.push({ node: (doc.contents as YamlNode | null) ?? null, line: lineAt(start) });
  }
  return out;
}

export { isDocument, isPair };
