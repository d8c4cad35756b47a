/**
 * Anchors, aliases and merge keys as the renderer expands them: every alias becomes a copy of the
 * node last anchored with its name before it (in the order keys and values are written), and a
 * `<<` key merges the mappings it names, keys written in the mapping winning, as go-yaml does.
 * The fast reader expands while it reads; the full parser's trees are expanded after (load.ts).
 */
import type { Pair } from 'yaml';
import { Scalar, YAMLMap, YAMLSeq, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { UNSUPPORTED } from './unsupported.ts';
import { mapNode, pairNode, scalarNode, seqNode } from './nodes.ts';

/** `<<` written as a plain scalar: a merge key. */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.value === '<<' && key.type === 'PLAIN';
}

/**
 * The pairs of a mapping with its merge keys applied: each `<<` whose value is a mapping (or a
 * sequence of them) is replaced by their pairs, after the mapping's own ones and without the keys
 * already there (the first mapping named wins). Other `<<` pairs stay as they are.
 */
export function mergeKeys(pairs: Pair[]): Pair[] {
  const own: Pair[] = [];
  const merged: Pair[] = [];
  for (const pair of pairs) {
    const value = pair.value;
    if (isMergeKey(pair.key) && (isMap(value) || isSeq(value))) {
      const sources = isMap(value) ? [value] : value.items.filter(isMap);
      for (const source of sources) merged.push(...(source.items as Pair[]));
      continue;
    }
    own.push(pair);
  }
  if (merged.length === 0) return own;
  const keyOf = (pair: Pair): unknown => (isScalar(pair.key) ? pair.key.value : pair.key);
  const present = new Set(own.map(keyOf));
  for (const pair of merged) {
    const key = keyOf(pair);
    if (present.has(key)) continue;
    present.add(key);
    own.push(pair);
  }
  return own;
}

/** A node under an anchor, open while the reader is still inside it. */
export interface AnchorEntry {
  name: string;
  node: YamlNode | undefined;
  /** Expansions met before the node started: more after it ends means it holds an alias or a merge key. */
  mark: number;
  /** The node holds no alias and no merge key: its copy costs exactly its own nodes. */
  plain: boolean;
}

/**
 * The anchors of one document as the fast reader meets them, and the copies its aliases become.
 * Only what expands exactly as the full parser's expansion would is taken: an alias to a node
 * still open (itself or an ancestor), to no anchor, or to a node that itself holds aliases or merge
 * keys (whose expansion the budget counts differently), and a copy past the node budget, leave the
 * document to the full parser, which reports or expands it.
 */
export class DocumentAnchors {
  private named: Map<string, AnchorEntry> | undefined;
  /** Aliases expanded and merge keys met so far. */
  expansions = 0;
  /** Nodes copied for aliases so far. */
  private copied = 0;
  /** Deepest nesting a copy reached, counted from the document's root. */
  deepest = 0;

  private readonly maxNodes: number;

  constructor(maxNodes: number) {
    this.maxNodes = maxNodes;
  }

  /** Forgets the previous document's anchors, copies and expansions. */
  reset(): void {
    this.named = undefined;
    this.expansions = 0;
    this.copied = 0;
    this.deepest = 0;
  }

  /** An anchor on a node about to be read; pass the entry to `close` once it is read. */
  open(name: string): AnchorEntry {
    const entry: AnchorEntry = { name, node: undefined, mark: this.expansions, plain: true };
    (this.named ??= new Map()).set(name, entry);
    return entry;
  }

  /** The anchored node, read. A name anchored again inside it keeps that later node. */
  close(entry: AnchorEntry, node: YamlNode): void {
    entry.node = node;
    entry.plain = this.expansions === entry.mark;
  }

  /** A merge key, met in a mapping the reader applies it to. */
  mergeKey(): void {
    this.expansions++;
  }

  /** The copy an alias `*name` at nesting `depth` expands to. */
  alias(name: string, depth: number): YamlNode {
    const entry = this.named?.get(name);
    if (entry?.node === undefined || !entry.plain) throw UNSUPPORTED;
    this.expansions++;
    return this.copy(entry.node, depth + 1);
  }

  /** A deep copy keeping every own property (style, source text, anchor), counted against the budget. */
  private copy(node: YamlNode | null, depth: number): YamlNode {
    if (node === null) throw UNSUPPORTED;
    if (++this.copied > this.maxNodes) throw UNSUPPORTED;
    if (depth > this.deepest) this.deepest = depth;
    if (node instanceof Scalar) return Object.assign(scalarNode(node.value), node);
    if (node instanceof YAMLSeq) {
      const out = Object.assign(seqNode(), node);
      out.items = (node.items as YamlNode[]).map((item) => this.copy(item, depth + 1));
      return out;
    }
    if (node instanceof YAMLMap) {
      const out = Object.assign(mapNode(), node);
      out.items = (node.items as Pair<YamlNode, YamlNode>[]).map((pair) => pairNode(this.copy(pair.key, depth + 1), this.copy(pair.value, depth + 1)));
      return out;
    }
    throw UNSUPPORTED;
  }
}
