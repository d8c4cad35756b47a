/**
 * The file formats SOPS encrypts besides single YAML/JSON documents, as far as the renderer needs
 * them to decrypt generator inputs the way Flux's kustomize-controller does: which format a file
 * is in (by its name, or by the marker bytes an encrypted file carries), and the dotenv store's
 * line format with its metadata flattened into `sops_*` keys.
 *
 * Pure text handling only; the cryptography lives in `sops.ts`.
 */
import { InvalidInputError } from '#shared/errors/index.ts';

/** A SOPS store: how an encrypted file is laid out, and how its plaintext is written. */
export type SopsFileFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

/**
 * The format SOPS (and Flux) assume for a file name: by extension, anything unknown is binary. A
 * name ending in `.dockerconfigjson` is JSON, as Flux treats `kubernetes.io/dockerconfigjson` keys.
 */
export function sopsFormatForPath(name: string): SopsFileFormat {
  if (name.endsWith('.dockerconfigjson')) return 'json';
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'yaml';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.env')) return 'dotenv';
  if (name.endsWith('.ini')) return 'ini';
  return 'binary';
}

/** Bytes only an encrypted file of each format holds (Flux's test for "encrypted"). */
export const SOPS_FORMAT_MARKERS: Readonly<Record<SopsFileFormat, string>> = {
  binary: '"mac": "ENC[',
  json: '"mac": "ENC[',
  dotenv: 'sops_mac=ENC[',
  ini: '[sops]',
  yaml: 'mac: ENC[',
};

/** Whether `bytes` carry the marker of an encrypted file of `format`. */
export function hasSopsMarker(bytes: Uint8Array, format: SopsFileFormat): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(SOPS_FORMAT_MARKERS[format]);
}

// The order a marker is looked for: the JSON marker also contains the YAML one (`mac": "ENC[` vs
// `mac: ENC[` differ), so each is distinct; dotenv and INI before the JSON/YAML ones because a
// dotenv or INI file never holds the others' markers while a JSON or YAML file may quote any text.
const DETECTION_ORDER: readonly SopsFileFormat[] = ['dotenv', 'ini', 'json', 'yaml'];

/**
 * The input format of an encrypted file found in a Secret's data entry, from its marker bytes, or
 * undefined when it holds none (not encrypted).
 */
export function detectSopsFormat(bytes: Uint8Array): SopsFileFormat | undefined {
  return DETECTION_ORDER.find((format) => hasSopsMarker(bytes, format));
}

/** One line of a dotenv file as SOPS reads it: a `#` comment or `KEY=value`. */
export type DotenvItem = { comment: string } | { key: string; value: string };

/**
 * Parses a dotenv file as SOPS' dotenv store does: lines split on `\n`, empty lines dropped, `#`
 * starts a comment, everything else is `KEY=value` split at the first `=`, and `\n` escapes in a
 * value stand for newlines.
 */
export function parseSopsDotenv(text: string, file: string): DotenvItem[] {
  const items: DotenvItem[] = [];
  text.split('\n').forEach((line, index) => {
    if (line === '') return;
    if (line.startsWith('#')) {
      items.push({ comment: line.slice(1) });
      return;
    }
    const eq = line.indexOf('=');
    // The line itself is not echoed: it may hold a secret value.
    if (eq < 0) throw new InvalidInputError('dotenv line is not KEY=VALUE', { source: { file, line: index + 1 } });
    items.push({ key: line.slice(0, eq), value: line.slice(eq + 1).replaceAll('\\n', '\n') });
  });
  return items;
}

/** Writes dotenv items as `sops decrypt` prints them: one line each, newlines in values escaped. */
export function emitSopsDotenv(items: readonly DotenvItem[]): string {
  return items.map((item) => ('comment' in item ? `#${item.comment}\n` : `${item.key}=${item.value.replaceAll('\n', '\\n')}\n`)).join('');
}

/** The prefix of the keys the dotenv (and INI) stores flatten SOPS metadata into. */
export const SOPS_FLAT_PREFIX = 'sops_';

type FlatNode = { value?: string; keys?: Map<string, FlatNode>; indices?: Map<number, FlatNode> };
export type FlatValue = string | FlatValue[] | { [key: string]: FlatValue };

/** `age__list_0__map_enc` → map key `age`, list index 0, map key `enc` (SOPS' flatten encoding). */
function tokenizeFlatKey(key: string): (string | number)[] {
  const tokens: (string | number)[] = [];
  const pattern = /__(map|list)_/g;
  let kind: 'map' | 'list' = 'map';
  let start = 0;
  const finish = (end: number): void => {
    const text = key.slice(start, end);
    tokens.push(kind === 'list' ? Number.parseInt(text, 10) || 0 : text);
  };
  for (let match = pattern.exec(key); match !== null; match = pattern.exec(key)) {
    finish(match.index);
    kind = match[1] === 'list' ? 'list' : 'map';
    start = match.index + match[0].length;
  }
  finish(key.length);
  return tokens;
}

function convertFlat(node: FlatNode, file: string): FlatValue {
  const kinds = Number(node.value !== undefined) + Number((node.keys?.size ?? 0) > 0) + Number((node.indices?.size ?? 0) > 0);
  if (kinds > 1) throw new InvalidInputError('the flattened sops metadata mixes a value, a map and a list at one key', { source: { file } });
  if (node.value !== undefined) return node.value;
  if (node.indices && node.indices.size > 0) {
    const out: FlatValue[] = [];
    for (let i = 0; i < node.indices.size; i++) {
      const item = node.indices.get(i);
      if (item === undefined) throw new InvalidInputError('the flattened sops metadata has an incomplete list', { source: { file } });
      out.push(convertFlat(item, file));
    }
    return out;
  }
  const out: { [key: string]: FlatValue } = {};
  for (const key of [...(node.keys?.keys() ?? [])].sort()) out[key] = convertFlat(node.keys?.get(key) ?? {}, file);
  return out;
}

/**
 * Rebuilds the nested `sops` metadata from the flattened `sops_*` entries of a dotenv file
 * (`sops_age__list_0__map_recipient=…`): keys without the prefix, `__map_` and `__list_N__` steps.
 * Values stay strings, as the store reads them.
 */
export function unflattenSopsMetadata(entries: readonly { key: string; value: string }[], file: string): { [key: string]: FlatValue } {
  const root: FlatNode = {};
  for (const { key, value } of entries) {
    let node = root;
    for (const token of tokenizeFlatKey(key.slice(SOPS_FLAT_PREFIX.length))) {
      if (typeof token === 'number') {
        node.indices ??= new Map();
        let next = node.indices.get(token);
        if (!next) node.indices.set(token, (next = {}));
        node = next;
      } else {
        node.keys ??= new Map();
        let next = node.keys.get(token);
        if (!next) node.keys.set(token, (next = {}));
        node = next;
      }
    }
    if (node.value !== undefined) throw new InvalidInputError(`the sops metadata key "${key}" appears twice`, { source: { file } });
    node.value = value;
  }
  const out = convertFlat(root, file);
  return typeof out === 'object' && !Array.isArray(out) ? out : {};
}
