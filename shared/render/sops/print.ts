/**
 * The plaintext of a decrypted file, printed as `sops decrypt --output-type <format>` prints it:
 * YAML the way go-yaml v3 writes it, JSON the way SOPS indents Go's encoding, dotenv and INI in
 * their stores' formats, and a binary file's exact bytes.
 */
import { type Document, type Scalar, type YAMLMap, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { keyText, resolvePlainV3 } from '../yaml/go-value.ts';
import { blockScalarStylesAllowed } from '../yaml/emit.ts';
import { goJsonString } from '../go-json.ts';
import { emitGoIni, emitSopsDotenv, type DotenvItem, type IniSection, type SopsFileFormat } from './formats.ts';
import { sopsError, type SopsSource } from './source.ts';

/** A decrypted file before it is written out: its tree, the raw bytes of its strings, its comments (dotenv). */
export interface PlainTree {
  root: YAMLMap;
  /** The parsed YAML/JSON document, comments decrypted. */
  doc?: Document;
  /** The sections of an INI file, values and comments decrypted. */
  ini?: IniSection[];
  rawLeaves: Map<YamlNode, Buffer>;
  dotenv?: DotenvItem[];
}

/** The tree as SOPS' INI store writes it: top-level keys are sections of scalar values. */
function emitIniFile(tree: PlainTree, source: SopsSource): Buffer {
  if (tree.ini) return Buffer.from(emitGoIni(tree.ini), 'utf8');
  const sections: IniSection[] = tree.root.items.map((pair) => {
    if (!isMap(pair.value)) throw sopsError(source, `key "${keyText(pair.key)}" is not a map, which an INI section must be`);
    return {
      name: keyText(pair.key),
      comment: '',
      keys: pair.value.items.map((item) => {
        if (!isScalar(item.value) && item.value !== null)
          throw sopsError(source, `key "${keyText(pair.key)}.${keyText(item.key)}" holds a map or list, which INI cannot`);
        return { name: keyText(item.key), value: isScalar(item.value) ? String(item.value.value ?? '') : '', comment: '', autoIncrement: false };
      }),
    };
  });
  return Buffer.from(emitGoIni(sections), 'utf8');
}

/** go-yaml v3 (as `sops decrypt` uses it) double-quotes these YAML 1.1 booleans and sexagesimal floats too. */
const YAML11_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** The style go-yaml v3 prints a string in: literal when multi-line, double-quoted when it would read as another type, else plain, single- or double-quoted as the characters allow. */
function goYamlV3StringStyle(value: string): NonNullable<Scalar['type']> {
  if (value.includes('\n')) return 'BLOCK_LITERAL';
  if (resolvePlainV3(value).kind !== 'str' || YAML11_BOOLEANS.test(value) || BASE60_FLOAT.test(value)) return 'QUOTE_DOUBLE';
  const allowed = blockScalarStylesAllowed(value);
  return allowed.plain ? 'PLAIN' : allowed.singleQuoted ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE';
}

/** The tree as `sops decrypt` prints a YAML file: four-space indentation, sequences indented, no folding. */
function emitYamlFile(tree: PlainTree): Buffer {
  const doc = parseDocument('{}');
  const plain = (node: unknown): unknown => {
    if (isMap(node)) {
      for (const pair of node.items) {
        pair.key = plain(pair.key);
        pair.value = plain(pair.value);
      }
      return node;
    }
    if (isSeq(node)) {
      node.items = node.items.map(plain);
      return node;
    }
    if (isScalar(node)) {
      const value = node.value;
      if (typeof value === 'string') node.type = goYamlV3StringStyle(value);
      else delete node.type;
      return node;
    }
    return node;
  };
  doc.contents = plain(tree.root) as typeof doc.contents;
  return Buffer.from(doc.toString({ indent: 4, indentSeq: true, lineWidth: 0, minContentWidth: 0, blockQuote: 'literal' }), 'utf8');
}

function jsonValue(node: unknown, depth: number, file: string, source: SopsSource): string {
  const pad = '\t'.repeat(depth + 1);
  const close = '\t'.repeat(depth);
  if (isMap(node)) {
    if (node.items.length === 0) return '{}';
    return `{\n${node.items.map((pair) => `${pad}${goJsonString(keyText(pair.key))}: ${jsonValue(pair.value, depth + 1, file, source)}`).join(',\n')}\n${close}}`;
  }
  if (isSeq(node)) {
    if (node.items.length === 0) return '[]';
    return `[\n${node.items.map((item) => `${pad}${jsonValue(item, depth + 1, file, source)}`).join(',\n')}\n${close}]`;
  }
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'string') return goJsonString(value);
    if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isFinite(value) ? String(value) : 'null';
  }
  if (node === null || node === undefined) return 'null';
  throw sopsError(source, 'the decrypted file holds a value JSON cannot express');
}

/** The tree as `sops decrypt` prints a JSON file: tab-indented, keys in file order. */
function emitJsonFile(tree: PlainTree, source: SopsSource): Buffer {
  return Buffer.from(`${jsonValue(tree.root, 0, source.file ?? source.where, source)}\n`, 'utf8');
}

function emitDotenvFile(tree: PlainTree, source: SopsSource): Buffer {
  if (tree.dotenv) return Buffer.from(emitSopsDotenv(tree.dotenv), 'utf8');
  const items: DotenvItem[] = [];
  for (const pair of tree.root.items) {
    if (!isScalar(pair.value) && pair.value !== null) throw sopsError(source, `key "${keyText(pair.key)}" holds a map or list, which a dotenv file cannot`);
    items.push({ key: keyText(pair.key), value: isScalar(pair.value) ? String(pair.value.value ?? '') : '' });
  }
  return Buffer.from(emitSopsDotenv(items), 'utf8');
}

/** A binary file's plaintext is the exact bytes of its `data` string. */
function emitBinaryFile(tree: PlainTree, source: SopsSource): Buffer {
  const data = tree.root.items.find((pair) => keyText(pair.key) === 'data')?.value;
  if (!isScalar(data) || typeof data.value !== 'string') throw sopsError(source, 'no binary data (a "data" string) in the decrypted file');
  return tree.rawLeaves.get(data as YamlNode) ?? Buffer.from(data.value, 'utf8');
}
/** The decrypted tree written out in the `output` format. */
export function printPlaintext(tree: PlainTree, output: SopsFileFormat, source: SopsSource): Buffer {
  switch (output) {
    case 'ini':
      return emitIniFile(tree, source);
    case 'yaml':
      return emitYamlFile(tree);
    case 'json':
      return emitJsonFile(tree, source);
    case 'dotenv':
      return emitDotenvFile(tree, source);
    case 'binary':
      return emitBinaryFile(tree, source);
  }
}
