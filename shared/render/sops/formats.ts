/**
 * The file formats SOPS encrypts besides single YAML/JSON documents, as far as the renderer needs
 * them to decrypt generator inputs the way Flux's kustomize-controller does: which format a file
 * is in (by its name, or by the marker bytes an encrypted file carries), the dotenv store's line
 * format with its metadata flattened into `sops_*` keys, and INI as the go-ini library SOPS uses
 * reads and writes it (metadata flattened into a `[sops]` section).
 *
 * Pure text handling only; the cryptography lives in `cipher.ts`.
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

/** One key of an INI section as go-ini (the library SOPS' INI store uses) reads it. */
export interface IniKey {
  name: string;
  value: string;
  /** The comment lines above the key and its inline comment, as go-ini collects them. */
  comment: string;
  /** A `-` key: go-ini numbers it (`#1`, `#2`, …) and writes it back as `-`. */
  autoIncrement: boolean;
}

/** One INI section (`DEFAULT` holds the keys before the first header). */
export interface IniSection {
  name: string;
  comment: string;
  keys: IniKey[];
}

const INI_KEY_DELIMITERS = '=:';

function indexOfAny(text: string, chars: string, from = 0): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text.charAt(i))) return i;
  return -1;
}

function surroundedBy(text: string, quote: string): boolean {
  return text.length >= 2 && text.startsWith(quote) && text.endsWith(quote) && text.indexOf(quote, 1) === text.length - 1;
}

/**
 * Parses INI text as go-ini does with the options SOPS gives it: `#`/`;` comment lines, sections
 * (repeatable), `key = value` or `key: value`, quoted keys and values (`"""…"""` may span lines,
 * `` `…` ``), continuation lines ending in `\`, inline comments from the first `#` or `;`, and
 * surrounding `'`/`"` dropped.
 */
export function parseGoIni(text: string, file: string): IniSection[] {
  const lines = text.replace(/^\uFEFF/, '').split(/(?<=\n)/);
  const sections: IniSection[] = [{ name: 'DEFAULT', comment: '', keys: [] }];
  let section = sections[0] as IniSection;
  let comment = '';
  let autoCount = 1;
  let index = 0;
  const refuse = (message: string): InvalidInputError => new InvalidInputError(message, { source: { file, line: index } });
  while (index < lines.length) {
    const raw = lines[index++] ?? '';
    const line = raw.trimStart();
    if (line === '') continue;
    if (line.startsWith('#') || line.startsWith(';')) {
      comment += line;
      continue;
    }
    if (line.startsWith('[')) {
      const close = line.lastIndexOf(']');
      if (close < 0) throw refuse('unclosed INI section header');
      const rest = line.slice(close + 1);
      const at = indexOfAny(rest, '#;');
      if (at >= 0) comment += rest.slice(at);
      section = { name: line.slice(1, close), comment: comment.trim(), keys: [] };
      sections.push(section);
      comment = '';
      autoCount = 1;
      continue;
    }
    // The key name, possibly quoted.
    let name: string;
    let offset: number;
    const keyQuote = line.startsWith('"') ? (line.length > 6 && line.startsWith('"""') ? '"""' : '"') : line.startsWith('`') ? '`' : '';
    if (keyQuote) {
      const end = line.indexOf(keyQuote, keyQuote.length);
      if (end < 0) throw refuse('INI key has no closing quote');
      const delimiter = indexOfAny(line, INI_KEY_DELIMITERS, end + keyQuote.length);
      if (delimiter < 0) throw refuse('INI line has no = or : delimiter');
      name = line.slice(keyQuote.length, end).trim();
      offset = delimiter + 1;
    } else {
      const delimiter = indexOfAny(line, INI_KEY_DELIMITERS);
      if (delimiter < 0) throw refuse('INI line has no = or : delimiter');
      if (delimiter === 0) throw refuse('INI key name is empty');
      name = line.slice(0, delimiter).trim();
      offset = delimiter + 1;
    }
    let autoIncrement = false;
    if (name === '-') {
      autoIncrement = true;
      name = `#${autoCount++}`;
    }
    // The value.
    let value = line.slice(offset).trimStart();
    const valueQuote = value.length > 3 && value.startsWith('"""') ? '"""' : value.startsWith('`') ? '`' : '';
    if (value === '') {
      value = '';
    } else if (valueQuote) {
      const body = value.slice(valueQuote.length);
      const end = body.lastIndexOf(valueQuote);
      if (end >= 0) value = body.slice(0, end);
      else {
        let collected = body;
        for (;;) {
          if (index >= lines.length) throw refuse('INI value has no closing quote');
          const next = lines[index++] ?? '';
          const close = next.lastIndexOf(valueQuote);
          if (close >= 0) {
            collected += next.slice(0, close);
            const at = indexOfAny(next.slice(close), '#;');
            if (at >= 0) comment += next.slice(close + at).trim();
            break;
          }
          collected += next;
        }
        value = collected;
      }
    } else {
      value = value.trim();
      if (value.endsWith('\\')) {
        value = value.slice(0, -1);
        while (index < lines.length) {
          const next = (lines[index++] ?? '').trim();
          if (next === '') break;
          value += next;
          if (!value.endsWith('\\')) break;
          value = value.slice(0, -1);
        }
      } else {
        const at = indexOfAny(value, '#;');
        if (at >= 0) {
          comment += value.slice(at);
          value = value.slice(0, at).trim();
        }
        if (surroundedBy(value, "'") || surroundedBy(value, '"')) value = value.slice(1, -1);
      }
    }
    const existing = section.keys.find((key) => key.name === name);
    if (existing) {
      existing.value = value;
      existing.comment = comment.trim();
    } else section.keys.push({ name, value, comment: comment.trim(), autoIncrement });
    comment = '';
  }
  return sections;
}

function iniCommentLines(comment: string, trimRest: boolean): string {
  return comment
    .split('\n')
    .map((line) => (line.startsWith('#') || line.startsWith(';') ? `${line.charAt(0)} ${line.slice(1).trim()}` : `; ${trimRest ? line.trim() : line}`))
    .map((line) => `${line}\n`)
    .join('');
}

/**
 * Writes sections as go-ini writes them for SOPS: comments as `; …` lines, `=` aligned within a
 * section, values quoted only when they hold a newline, a backtick, `#`, `;` or edge spaces, a
 * blank line between sections, the `DEFAULT` section without its header.
 */
export function emitGoIni(sections: readonly IniSection[]): string {
  let out = '';
  sections.forEach((section, index) => {
    if (section.comment) out += iniCommentLines(section.comment, false);
    if (index > 0 || section.name.toUpperCase() !== 'DEFAULT') out += `[${section.name}]\n`;
    else if (section.keys.length === 0) return;
    const quotedName = (key: IniKey): string => {
      if (key.autoIncrement) return '-';
      if (key.name.includes('"') || indexOfAny(key.name, INI_KEY_DELIMITERS) >= 0) return `\`${key.name}\``;
      if (key.name.includes('`')) return `"""${key.name}"""`;
      return key.name;
    };
    const align = Math.max(0, ...section.keys.map((key) => Buffer.byteLength(quotedName(key))));
    for (const key of section.keys) {
      if (key.comment) out += iniCommentLines(key.comment, true);
      const name = quotedName(key);
      let value = key.value;
      if (value.includes('\n') || value.includes('`')) value = `"""${value}"""`;
      else if (indexOfAny(value, '#;') >= 0) value = `\`${value}\``;
      else if (value.trim().length !== value.length) value = `"${value}"`;
      out += `${name}${' '.repeat(align - Buffer.byteLength(name))} = ${value}\n`;
    }
    if (index < sections.length - 1) out += '\n';
  });
  return out;
}
