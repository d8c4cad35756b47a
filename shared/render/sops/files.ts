/**
 * Whole files in SOPS' stores — YAML/JSON documents, dotenv, INI and binary (a JSON document with
 * one `data` string) — decrypted for generator inputs and Secret data entries, comments included,
 * and printed back as `sops decrypt` prints them. Nothing has edited such a file since it was
 * encrypted, so its MAC is always checked.
 */
import { type Document, Pair, type YAMLMap, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { keyText } from '../yaml/go-value.ts';
import { stringScalar } from '../resource.ts';
import { firstDuplicateKey } from '../load.ts';
import { openComment } from './cipher.ts';
import type { DataKeyCache, SopsKeys } from './data-key.ts';
import { SOPS_FLAT_PREFIX, parseGoIni, parseSopsDotenv, type DotenvItem, type IniSection, type SopsFileFormat } from './formats.ts';
import { SOPS_METADATA_KEY, metadataNode } from './metadata.ts';
import { printPlaintext, type PlainTree } from './print.ts';
import { sopsError, type SopsSource } from './source.ts';
import { decryptTree } from './tree.ts';

/**
 * Parses one encrypted YAML/JSON document (`what`: a file or a document, for the message) and
 * refuses what SOPS would: a parse error, a duplicate key, a top level that is not a mapping.
 */
export function parseEncryptedDocument(text: string, source: SopsSource, what: 'file' | 'document'): Document & { contents: YAMLMap } {
  // Duplicate keys are found in one pass (the parser's own check is quadratic in a map's size).
  const doc = parseDocument(text, { schema: 'core', intAsBigInt: true, uniqueKeys: false, prettyErrors: false });
  const error = doc.errors[0];
  if (error) throw sopsError(source, `invalid YAML/JSON: ${error.message.split('\n')[0]}`);
  if (firstDuplicateKey(doc.contents) !== undefined) throw sopsError(source, 'invalid YAML/JSON: Map keys must be unique');
  if (!isMap(doc.contents)) throw sopsError(source, `a sops-encrypted ${what} is a mapping at the top`);
  return doc as Document & { contents: YAMLMap };
}

async function decryptDotenv(text: string, keys: SopsKeys, source: SopsSource, cache: DataKeyCache): Promise<PlainTree> {
  const file = source.file ?? source.where;
  const items = parseSopsDotenv(text, file);
  const metadata: { key: string; value: string }[] = [];
  const body: DotenvItem[] = [];
  for (const item of items) {
    if ('key' in item && item.key.startsWith(SOPS_FLAT_PREFIX)) metadata.push(item);
    else body.push(item);
  }
  if (metadata.length === 0) throw sopsError(source, 'no sops metadata (sops_* entries): the dotenv file is not encrypted with sops');
  const root = parseDocument('{}').contents as YAMLMap;
  const seen = new Set<string>();
  for (const item of body) {
    if (!('key' in item)) continue;
    if (seen.has(item.key)) throw sopsError(source, `key "${item.key}" appears more than once`);
    seen.add(item.key);
    root.items.push(new Pair(stringScalar(item.key), stringScalar(item.value)));
  }
  root.items.push(new Pair(stringScalar(SOPS_METADATA_KEY), metadataNode(metadata, file)));
  const rawLeaves = new Map<YamlNode, Buffer>();
  // Comments are encrypted with the empty path and are not part of the MAC; like SOPS, one that
  // does not decrypt is kept as it stands (files from older SOPS versions hold plain comments).
  const dataKey = await decryptTree(root, keys, source, { verifyMac: true }, cache, rawLeaves);
  const plainValues = new Map(root.items.map((pair) => [keyText(pair.key), pair.value]));
  const dotenv: DotenvItem[] = body.map((item) => {
    if ('key' in item) {
      const value = plainValues.get(item.key);
      return { key: item.key, value: isScalar(value) ? String(value.value ?? '') : item.value };
    }
    return { comment: openComment(item.comment, dataKey, ':', source) };
  });
  return { root, rawLeaves, dotenv };
}

/**
 * Decrypts the comments of a YAML file (SOPS encrypts each comment line with the path of the map
 * or list holding it) and places them as `sops decrypt` prints them: every comment on its own
 * line before the next key or item, the ones after the last at the end. A comment that does not
 * decrypt is kept as it stands, as SOPS keeps it.
 */
function decryptYamlComments(doc: Document, dataKey: Uint8Array, source: SopsSource): void {
  const lines = (comment: string | null | undefined, path: readonly string[]): string[] =>
    comment
      ? comment
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => openComment(line, dataKey, `${path.join(':')}:`, source))
      : [];
  const visit = (node: unknown, path: readonly string[], leading: string[]): void => {
    if (!isMap(node) && !isSeq(node)) return;
    let pending = [...leading, ...lines(node.commentBefore, path)];
    node.commentBefore = null;
    const entries: { head: YamlNode; value: unknown }[] = isMap(node)
      ? node.items.map((pair) => ({ head: pair.key as YamlNode, value: pair.value }))
      : node.items.map((item) => ({ head: item as YamlNode, value: item }));
    for (const { head, value } of entries) {
      if (head === null || typeof head !== 'object') continue;
      pending.push(...lines(head.commentBefore, path));
      if (head !== value) pending.push(...lines(head.comment, path));
      head.comment = null;
      let inner: string[] = [];
      if (isScalar(value)) {
        if (value !== head) pending.push(...lines(value.commentBefore, path));
        pending.push(...lines(value.comment, path));
        value.commentBefore = null;
        value.comment = null;
      }
      const childPath = isMap(node) ? [...path, keyText(head)] : path;
      if ((isMap(value) || isSeq(value)) && head !== value) {
        // A comment the parser gave the collection itself stands before its first entry.
        inner = lines(value.commentBefore, childPath);
        value.commentBefore = null;
      }
      head.commentBefore = pending.length > 0 ? pending.join('\n') : null;
      pending = [];
      if (isMap(value) || isSeq(value)) visit(value, childPath, inner);
      // A map that is a list item carries the comments before its first key in front of its dash.
      const firstKey = isMap(value) && head === value ? (value.items[0]?.key as YamlNode | undefined) : undefined;
      if (isMap(value) && firstKey && typeof firstKey === 'object' && firstKey.commentBefore) {
        value.commentBefore = firstKey.commentBefore;
        firstKey.commentBefore = null;
      }
    }
    const trailing = [...lines(node.comment, path), ...pending];
    // go-yaml v3 prints no comment with an empty map or list (`{}`, `[]`).
    node.comment = trailing.length > 0 && entries.length > 0 ? trailing.join('\n') : null;
  };
  const root = doc.contents;
  visit(root, [], lines(doc.commentBefore, []));
  doc.commentBefore = null;
  const docTrailing = lines(doc.comment, []);
  if (docTrailing.length > 0 && (isMap(root) || isSeq(root))) root.comment = [...(root.comment ? [root.comment] : []), ...docTrailing].join('\n');
  doc.comment = null;
}

async function decryptDocument(text: string, keys: SopsKeys, source: SopsSource, cache: DataKeyCache): Promise<PlainTree> {
  const doc = parseEncryptedDocument(text, source, 'file');
  // Comments after the last key sit before the metadata SOPS appends; they end the document.
  const sopsKey = doc.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === SOPS_METADATA_KEY)?.key;
  if (isScalar(sopsKey) && sopsKey.commentBefore)
    doc.contents.comment = [sopsKey.commentBefore, ...(doc.contents.comment ? [doc.contents.comment] : [])].join('\n');
  const rawLeaves = new Map<YamlNode, Buffer>();
  const dataKey = await decryptTree(doc.contents, keys, source, { verifyMac: true }, cache, rawLeaves);
  decryptYamlComments(doc, dataKey, source);
  return { root: doc.contents, rawLeaves, doc };
}

/** SOPS' INI store keeps a comment without its leading `;`/`#` characters and spaces. */
function stripIniComment(comment: string): string {
  if (comment.startsWith(';')) return comment.replace(/^[; ]+/, '');
  if (comment.startsWith('#')) return comment.replace(/^[# ]+/, '');
  return comment;
}

async function decryptIni(text: string, keys: SopsKeys, source: SopsSource, cache: DataKeyCache): Promise<PlainTree> {
  const file = source.file ?? source.where;
  const sections = parseGoIni(text, file);
  const metaSection = sections.find((section) => section.name === SOPS_METADATA_KEY);
  if (!metaSection) throw sopsError(source, 'no [sops] section: the INI file is not encrypted with sops');
  // The INI store flattens the metadata below the section and escapes newlines in its values.
  const entries = metaSection.keys.map((key) => ({ key: `${SOPS_FLAT_PREFIX}${key.name}`, value: key.value.replaceAll('\\n', '\n') }));
  const body = sections.filter((section) => section !== metaSection);
  const root = parseDocument('{}').contents as YAMLMap;
  const sectionMaps = body.map((section) => {
    const map = parseDocument('{}').contents as YAMLMap;
    for (const key of section.keys) map.items.push(new Pair(stringScalar(key.name), stringScalar(key.value)));
    root.items.push(new Pair(stringScalar(section.name), map));
    return map;
  });
  root.items.push(new Pair(stringScalar(SOPS_METADATA_KEY), metadataNode(entries, file)));
  const rawLeaves = new Map<YamlNode, Buffer>();
  const dataKey = await decryptTree(root, keys, source, { verifyMac: true }, cache, rawLeaves);
  // Comments are encrypted with their section's path; one that does not decrypt stays as it is.
  const openIniComment = (comment: string, section: string): string => openComment(stripIniComment(comment), dataKey, `${section}:`, source);
  const ini = body.map((section, index): IniSection => ({
    name: section.name,
    comment: section.comment ? openIniComment(section.comment, section.name) : '',
    keys: section.keys.map((key, keyIndex) => {
      const value = sectionMaps[index]?.items[keyIndex]?.value;
      return { ...key, value: isScalar(value) ? String(value.value ?? '') : key.value, comment: key.comment ? openIniComment(key.comment, section.name) : '' };
    }),
  }));
  return { root, rawLeaves, ini };
}
/** Decrypts a whole file with a decryptor's data-key cache; see {@link decryptSopsFile}. */
export async function decryptFileWith(
  bytes: Uint8Array,
  input: SopsFileFormat,
  output: SopsFileFormat,
  source: SopsSource,
  keys: SopsKeys,
  cache: DataKeyCache,
): Promise<Buffer> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const tree =
    input === 'dotenv'
      ? await decryptDotenv(text, keys, source, cache)
      : input === 'ini'
        ? await decryptIni(text, keys, source, cache)
        : await decryptDocument(text, keys, source, cache);
  return printPlaintext(tree, output, source);
}

/**
 * Decrypts a whole file encrypted by `sops` in one of its stores (`input`: YAML, JSON, dotenv or
 * binary) and returns the plaintext file as `sops decrypt --output-type <output>` writes it — what
 * Flux puts in place of an encrypted generator input. Unlike rendered objects, nothing has edited
 * the file since it was encrypted, so its MAC is checked. Errors name `source`, never a value.
 */
export async function decryptSopsFile(bytes: Uint8Array, input: SopsFileFormat, output: SopsFileFormat, keys: SopsKeys, source: SopsSource): Promise<Buffer> {
  return decryptFileWith(bytes, input, output, source, keys, new Map());
}
