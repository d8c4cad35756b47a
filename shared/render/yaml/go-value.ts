/**
 * Conversion of a parsed YAML node tree into the value `kustomize build` prints.
 *
 * kustomize does not print its YAML nodes directly: every resource is decoded by go-yaml v3 into
 * Go maps, encoded to JSON, decoded again by go-yaml v2 and printed by go-yaml v2. That round trip
 * decides how numbers look (`1.0` becomes `1`, `0x1F` becomes `31`), drops comments and styles and
 * turns unquoted timestamps into RFC 3339 strings. This module reproduces the round trip in one
 * pass so the emitter can print exactly what the Go binary prints.
 */
import { isAlias, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';

/** A number already formatted the way go-yaml v2 prints it. */
export class GoNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A value as go-yaml v2 sees it after kustomize's JSON round trip. */
export type GoValue = null | boolean | string | GoNumber | GoValue[] | GoMap;
/** Mapping with string keys; key order is irrelevant because the emitter sorts. */
export type GoMap = Map<string, GoValue>;

/** Raised for values kustomize cannot print (NaN/Inf, non-scalar keys); the caller adds the file. */
export class GoValueError extends Error {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Parses an integer with Go's `strconv.ParseInt(s, 0, 64)`/`ParseUint` rules (underscores already removed). */
export function parseGoInt(text: string): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const sign = match[1] === '-' ? -1n : 1n;
  const body = match[2] ?? '';
  let value: bigint;
  if (/^0[xX]/.test(body)) value = BigInt('0x' + body.slice(2));
  else if (/^0[oO]/.test(body)) value = BigInt('0o' + body.slice(2));
  else if (/^0[bB]/.test(body)) value = BigInt('0b' + body.slice(2));
  else if (body.length > 1 && body.startsWith('0')) value = BigInt('0o' + body.slice(1));
  else value = BigInt(body);
  value *= sign;
  if (value >= INT64_MIN && value <= INT64_MAX) return value;
  // ParseUint takes no sign at all.
  if (match[1] === '' && value <= UINT64_MAX) return value;
  return undefined;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/**
 * Go's `time.Parse` over the formats go-yaml accepts for unquoted timestamps; returns the
 * RFC 3339 text `encoding/json` would print for it, or undefined when it is not a timestamp.
 */
export function parseGoTimestamp(text: string): string | undefined {
  if (!/^[0-9]{4}-/.test(text)) return undefined;
  const match = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:([Tt])|( ))([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?)?$/.exec(
    text,
  );
  if (!match) return undefined;
  const [, y, mo, d, tSep, spaceSep, h, mi, s, frac, zone] = match;
  if (tSep !== undefined && zone === undefined) return undefined; // the T formats require a zone
  if (spaceSep !== undefined && zone !== undefined) return undefined; // the space format has none
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (zone !== undefined && zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 24 || zm > 59) return undefined;
  }
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const fraction = (frac ?? '').slice(0, 9).replace(/0+$/, '');
  const offset = zone === undefined || zone === 'Z' || zone === '+00:00' || zone === '-00:00' ? 'Z' : zone;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction ? '.' + fraction : ''}${offset}`;
}

/** How go-yaml v2 prints a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`). */
function goFormatFloatG(value: number): string {
  const [mantissa = '0', expText = '0'] = value.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(value);
}

/**
 * The text kustomize prints for a float64 decoded from the input: `encoding/json` formats it,
 * go-yaml v2 parses that text back (integers become ints) and prints it again.
 */
export function goFloatText(value: number): string {
  if (!Number.isFinite(value)) throw new GoValueError(`json: unsupported value: ${value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'}`);
  const jsonText = Object.is(value, -0) ? '-0' : String(value);
  if (/^-?[0-9]+$/.test(jsonText)) {
    const asInt = BigInt(jsonText);
    if ((asInt >= INT64_MIN && asInt <= INT64_MAX) || (asInt >= 0n && asInt <= UINT64_MAX)) return asInt.toString();
  }
  return goFormatFloatG(value);
}

/** Result of resolving an untagged plain scalar the way go-yaml v3 does. */
export type ResolvedPlain =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'timestamp'; text: string }
  | { kind: 'str' };

// go-yaml v3's resolve table: each value with the spellings that resolve to it.
const V3_SPELLINGS: readonly [ResolvedPlain, readonly string[]][] = [
  [{ kind: 'bool', value: true }, ['true', 'True', 'TRUE']],
  [{ kind: 'bool', value: false }, ['false', 'False', 'FALSE']],
  [{ kind: 'null' }, ['', '~', 'null', 'Null', 'NULL']],
  [{ kind: 'float', value: Number.NaN }, ['.nan', '.NaN', '.NAN']],
  [{ kind: 'float', value: Number.POSITIVE_INFINITY }, ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']],
  [{ kind: 'float', value: Number.NEGATIVE_INFINITY }, ['-.inf', '-.Inf', '-.INF']],
];

const V3_MAP: Record<string, ResolvedPlain> = Object.fromEntries(V3_SPELLINGS.flatMap(([value, spellings]) => spellings.map((spelling) => [spelling, value])));

/** Resolves a plain scalar with go-yaml v3's rules (YAML 1.2 booleans, Go integer syntax). */
export function resolvePlainV3(text: string): ResolvedPlain {
  const first = text.charAt(0);
  const hint = text === '' ? 'M' : /[+-]/.test(first) ? 'S' : /[0-9]/.test(first) ? 'D' : /[yYnNtTfFoO~]/.test(first) ? 'M' : first === '.' ? '.' : '';
  if (hint === '') return { kind: 'str' };
  const mapped = Object.hasOwn(V3_MAP, text) ? V3_MAP[text] : undefined;
  if (mapped) return mapped;
  if (hint === '.') {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) {
      const value = Number(text);
      if (Number.isFinite(value)) return { kind: 'float', value };
    }
    return { kind: 'str' };
  }
  if (hint === 'M') return { kind: 'str' };
  const timestamp = parseGoTimestamp(text);
  if (timestamp !== undefined) return { kind: 'timestamp', text: timestamp };
  const plain = text.replaceAll('_', '');
  const asInt = parseGoInt(plain);
  if (asInt !== undefined) return { kind: 'int', value: asInt };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const value = Number(plain);
    if (Number.isFinite(value)) return { kind: 'float', value };
  }
  return { kind: 'str' };
}

/**
 * Resolves a plain scalar with go-yaml v2's rules (YAML 1.1 booleans such as `yes`/`on`;
 * timestamps stay strings), which is how Flux re-reads an object after substitution.
 */
export function resolvePlainV2(text: string): ResolvedPlain {
  if (V2_TRUE.has(text)) return { kind: 'bool', value: true };
  if (V2_FALSE.has(text)) return { kind: 'bool', value: false };
  const resolved = resolvePlainV3(text);
  return resolved.kind === 'timestamp' ? { kind: 'str' } : resolved;
}

const V2_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const V2_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

const V2_BOOL_OR_NULL = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '',
  '~',
  'null',
  'Null',
  'NULL',
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
  '<<',
]);
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/**
 * True when go-yaml v2 would print this string unquoted-plain only at the cost of changing its type,
 * i.e. when it must be quoted (`"true"`, `"1.0"`, `"2001-12-14"`, `"1:20"`).
 */
export function v2NeedsQuotes(text: string): boolean {
  if (V2_BOOL_OR_NULL.has(text)) return true;
  const first = text.charAt(0);
  if (first === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) && Number.isFinite(Number(text));
  if (/[+\-0-9]/.test(first)) {
    if (text.includes(':') && BASE60_FLOAT.test(text)) return true;
    if (parseGoTimestamp(text) !== undefined) return true;
    const plain = text.replaceAll('_', '');
    if (parseGoInt(plain) !== undefined) return true;
    if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) return true;
    if (/^-?0b[01]+$/.test(plain)) return true;
  }
  return false;
}

const STR_TAGS = new Set(['tag:yaml.org,2002:str', '!!str', 'tag:yaml.org,2002:binary']);

/** Budget for alias expansion while converting, so alias bombs end in an error instead of memory exhaustion. */
export interface ConvertBudget {
  nodesLeft: number;
}

/** The text of a scalar as written in the source (plain scalars), or its string value. */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const source = (node as { source?: unknown }).source;
  if (node.type === 'PLAIN' && typeof source === 'string') return source;
  if (node.value === null || node.value === undefined) return undefined;
  return String(node.value);
}

function fromResolved(resolved: ResolvedPlain, text: string): GoValue {
  switch (resolved.kind) {
    case 'null':
      return null;
    case 'bool':
      return resolved.value;
    case 'int':
      return new GoNumber(resolved.value.toString());
    case 'float':
      return new GoNumber(goFloatText(resolved.value));
    case 'timestamp':
      return resolved.text;
    case 'str':
      return text;
  }
}

/** Which Go YAML library's typing rules apply to plain scalars. */
export type YamlDialect = 'v3' | 'v2';

function scalarToGo(node: YamlNode, dialect: YamlDialect): GoValue {
  if (!isScalar(node)) throw new GoValueError('not a scalar');
  const tag = node.tag;
  const source = (node as { source?: unknown }).source;
  // Parsed plain scalars are typed from their source text with go-yaml v3's rules, not the JS parser's.
  if (node.type === 'PLAIN' && (tag === undefined || tag === '!')) {
    const text = typeof source === 'string' ? source : typeof node.value === 'string' ? node.value : undefined;
    if (text !== undefined) return tag === '!' ? text : fromResolved(dialect === 'v2' ? resolvePlainV2(text) : resolvePlainV3(text), text);
  }
  const value = node.value;
  if (tag !== undefined && STR_TAGS.has(tag)) return value === null || value === undefined ? '' : String(value);
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return new GoNumber(Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? BigInt(value).toString() : goFloatText(value));
  if (typeof value === 'bigint') return new GoNumber(value.toString());
  const text = String(value);
  if (tag !== undefined && tag.startsWith('tag:yaml.org,2002:') && node.type === 'PLAIN') return fromResolved(resolvePlainV3(text), text);
  return text;
}

/** The string a mapping key becomes (kustomize only has string keys after its JSON round trip). */
export function keyText(node: unknown): string {
  if (isScalar(node)) {
    // A key that go-yaml types as a number, boolean or null makes the map non-string-keyed, which
    // kustomize's JSON encoding refuses.
    if (node.type === 'PLAIN' && (node.tag === undefined || node.tag === '!')) {
      const text = scalarText(node) ?? '';
      if (node.tag === undefined && resolvePlainV3(text).kind !== 'str')
        throw new GoValueError(`json: unsupported type: map[interface {}]interface {} (key ${JSON.stringify(text)} is not a string)`);
      return text;
    }
    return scalarText(node) ?? '';
  }
  if (node === null || node === undefined) return '';
  throw new GoValueError('mapping keys must be scalars');
}

/**
 * Converts a node (aliases already allowed) into the value kustomize prints.
 * `budget` caps the number of nodes visited, which bounds alias expansion.
 */
export function toGoValue(node: unknown, budget: ConvertBudget = { nodesLeft: Number.POSITIVE_INFINITY }, depth = 0, dialect: YamlDialect = 'v3'): GoValue {
  if (--budget.nodesLeft < 0) throw new GoValueError('document expands to too many nodes (alias expansion limit)');
  if (depth > 1000) throw new GoValueError('document nested too deeply');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) throw new GoValueError('unresolved alias');
  if (isScalar(node)) return scalarToGo(node, dialect);
  if (isSeq(node)) return node.items.map((item) => toGoValue(item, budget, depth + 1, dialect));
  if (isMap(node)) {
    const map: GoMap = new Map();
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (map.has(key)) throw new GoValueError(`mapping key "${key}" already defined`);
      map.set(key, toGoValue(pair.value, budget, depth + 1, dialect));
    }
    return map;
  }
  throw new GoValueError('unsupported YAML node');
}
