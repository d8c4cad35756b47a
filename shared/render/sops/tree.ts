/**
 * The tree walk of SOPS decryption: every leaf of a parsed document, in document order, is
 * decrypted (or, when the crypt rule leaves it unencrypted, read as SOPS' stores type it) and fed
 * to the MAC; the `sops` block is removed and the MAC checked.
 */
import type { Hash } from 'node:crypto';
import { Scalar, type YAMLMap, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { GoNumber, GoValueError, keyText, toGoValue } from '../yaml/go-value.ts';
import { cloneNode, stringScalar } from '../resource.ts';
import { addToMac, openValue, startMac, verifyMac, type Decrypted } from './cipher.ts';
import { dataKeyFor, type DataKeyCache, type SopsKeys } from './data-key.ts';
import { SOPS_METADATA_KEY, isEncryptedPath, readMetadata, type SopsMetadata } from './metadata.ts';
import { sopsError, type SopsSource } from './source.ts';

export interface SopsDecryptOptions {
  /**
   * Check the document MAC (default true). Flux's kustomize-controller does not, because kustomize
   * edits the unencrypted fields the MAC covers (labels, namespaces, name prefixes); the render
   * path follows it. Every encrypted value is still authenticated on its own by AES-GCM.
   */
  verifyMac?: boolean;
}

/** How SOPS' YAML/JSON stores see an unencrypted plaintext leaf (go-yaml v3 typing), or null for nulls. */
function plainLeaf(node: Scalar): Decrypted | null {
  let value;
  try {
    value = toGoValue(node);
  } catch (error) {
    if (error instanceof GoValueError) return { type: 'str', text: String(node.value) };
    throw error;
  }
  if (value === null) return null;
  if (typeof value === 'boolean') return { type: 'bool', text: value ? 'true' : 'false' };
  if (value instanceof GoNumber) {
    const text = value.text;
    return /^-?[0-9]+$/.test(text) ? { type: 'int', text } : { type: 'float', text };
  }
  return { type: 'str', text: String(value) };
}

function scalarFor(value: Decrypted): Scalar {
  switch (value.type) {
    case 'str':
      return stringScalar(value.text);
    case 'int':
      return new Scalar(BigInt(value.text));
    case 'float':
      return new Scalar(Number(value.text));
    case 'bool':
      return new Scalar(/^(1|t|T|true|TRUE|True)$/.test(value.text));
  }
}

interface WalkState {
  dataKey: Uint8Array;
  meta: SopsMetadata;
  source: SopsSource;
  mac: Hash;
  /** Filled with the exact plaintext bytes of each decrypted string scalar, when a caller needs them. */
  rawLeaves?: Map<YamlNode, Buffer>;
  /** Decrypted list items that were comments. */
  commentItems: Set<YamlNode>;
}

/** Decrypts the leaves below `node` in place, in document order (the MAC depends on the order). */
function walk(node: YamlNode | null | undefined, path: readonly string[], state: WalkState): YamlNode | null | undefined {
  if (isMap(node)) {
    for (const pair of node.items) pair.value = walk(pair.value as YamlNode | null, [...path, keyText(pair.key)], state) ?? null;
    return node;
  }
  if (isSeq(node)) {
    // List items share their list's path: SOPS does not put indices into the additional data.
    // Comments SOPS encrypted as list items go back to being comments before the next item.
    const items: unknown[] = [];
    let pending: string[] = [];
    for (const item of node.items) {
      const out = walk(item as YamlNode | null, path, state) ?? null;
      if (isScalar(out) && state.commentItems.has(out)) {
        pending.push(String(out.value));
        continue;
      }
      if (pending.length > 0 && out !== null) {
        out.commentBefore = [...pending, ...(out.commentBefore ? [out.commentBefore] : [])].join('\n');
        pending = [];
      }
      items.push(out);
    }
    if (pending.length > 0) node.comment = [...(node.comment ? [node.comment] : []), ...pending].join('\n');
    node.items = items;
    return node;
  }
  if (!isScalar(node)) return node;
  const encrypted = isEncryptedPath(state.meta.rule, path);
  const what = `value at ${path.join('.') || '(root)'}`;
  let leaf: Decrypted | null;
  let replacement: YamlNode = node;
  if (encrypted) {
    if (node.value === null || node.value === undefined) return node;
    if (typeof node.value !== 'string') throw sopsError(state.source, `${what} should be encrypted but is a plain ${typeof node.value}`);
    if (node.value === '') leaf = { type: 'str', text: '' };
    else {
      leaf = openValue(node.value, state.dataKey, `${path.join(':')}:`, what, state.source);
      replacement = scalarFor(leaf);
      // Comments belong to the place, not the value: a printer of the plaintext keeps them.
      if (node.commentBefore !== undefined) replacement.commentBefore = node.commentBefore;
      if (node.comment !== undefined) replacement.comment = node.comment;
      if (leaf.raw) state.rawLeaves?.set(replacement, leaf.raw);
      if (leaf.comment) {
        // Comments are not part of the MAC.
        state.commentItems.add(replacement);
        return replacement;
      }
    }
  } else {
    leaf = plainLeaf(node);
  }
  if (leaf !== null && (encrypted || !state.meta.macOnlyEncrypted)) addToMac(state.mac, leaf);
  return replacement;
}

/** Decrypts `root` in place; on failure it may be left partly decrypted, so callers own a copy. */
export async function decryptInPlace(root: YAMLMap, keys: SopsKeys, source: SopsSource, options: SopsDecryptOptions, cache: DataKeyCache): Promise<YAMLMap> {
  await decryptTree(root, keys, source, options, cache);
  return root;
}

/**
 * {@link decryptInPlace} for whole files: also fills `rawLeaves` and returns the data key, which
 * the file readers need again for the comments SOPS encrypts outside the tree.
 */
export async function decryptTree(
  root: YAMLMap,
  keys: SopsKeys,
  source: SopsSource,
  options: SopsDecryptOptions,
  cache: DataKeyCache,
  rawLeaves?: Map<YamlNode, Buffer>,
): Promise<Uint8Array> {
  const meta = readMetadata(root, source);
  const dataKey = await dataKeyFor(meta, keys, source, cache);
  root.items = root.items.filter((pair) => !(isScalar(pair.key) && pair.key.value === SOPS_METADATA_KEY));
  const state: WalkState = { dataKey, meta, source, mac: startMac(meta.macOnlyEncrypted), commentItems: new Set(), ...(rawLeaves ? { rawLeaves } : {}) };
  walk(root, [], state);
  if (options.verifyMac ?? true) verifyMac(state.mac, meta, dataKey, source);
  return dataKey;
}

/**
 * Decrypts a SOPS-encrypted document given as a parsed YAML map (as the renderer holds objects,
 * aliases expanded): returns a copy with every encrypted leaf replaced by its typed plaintext and
 * the `sops` block removed; the input is left untouched, also when decryption fails. Verifies the
 * MAC unless `options.verifyMac` is false.
 */
export async function decryptSopsNode(
  root: YAMLMap,
  keys: SopsKeys,
  source: SopsSource,
  options: SopsDecryptOptions = {},
  cache: DataKeyCache = new Map(),
): Promise<YAMLMap> {
  return decryptInPlace(cloneNode(root), keys, source, options, cache);
}
