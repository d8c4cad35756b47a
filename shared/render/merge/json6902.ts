/**
 * RFC 6902 JSON patches applied to `yaml` node trees, with the behaviour of the JSON patch library
 * kustomize uses, so that `patches` with JSON operations render exactly as `kustomize build` does.
 *
 * Where that library is more lenient than the RFC, so are we, because fleets rely on it:
 * - `replace` of an object member that does not exist adds it;
 * - negative array indexes count from the end (`-1` is the last element);
 * - `test` of a missing member against `null` succeeds.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Node } from 'yaml';
import { InvalidInputError, type SourceRef } from '#shared/errors/index.ts';

/** One JSON patch operation as written in the patch. */
export interface Json6902Operation {
  op: string;
  path?: string;
  from?: string;
  value?: unknown;
}

type Container = YAMLMap | YAMLSeq;
type Value = Node | null;

class OperationFailure extends Error {}

/** Builds a node tree from a plain JSON value (what a patch's `value` holds). */
function toNode(value: unknown): Node {
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    seq.items = value.map((item) => toNode(item));
    return seq;
  }
  if (value !== null && typeof value === 'object') {
    const map = new YAMLMap();
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) map.items.push(new Pair(new Scalar(key), toNode(item)));
    return map;
  }
  const scalar = new Scalar(value === undefined ? null : value);
  // Strings from a patch are strings whatever they look like ("1", "true"): mark them quoted so a
  // renderer that types plain scalars the way go-yaml does keeps them strings.
  if (typeof value === 'string') scalar.type = 'QUOTE_DOUBLE';
  return scalar;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return String(key);
}

/** RFC 6901: `~1` is `/`, `~0` is `~`, in that order. */
function decodeToken(token: string): string {
  return token.replace(/~1|~0/g, (escape) => (escape === '~1' ? '/' : '~'));
}

/** Go's strconv.Atoi: optional sign, decimal digits only. */
function parseIndex(token: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(token) ? Number.parseInt(token, 10) : undefined;
}

function asContainer(node: unknown): Container | undefined {
  return isMap(node) || isSeq(node) ? node : undefined;
}

function get(container: Container, key: string): { found: boolean; value: Value } {
  if (isMap(container)) {
    const pair = container.items.find((item) => keyText(item.key) === key);
    return pair === undefined ? { found: false, value: null } : { found: true, value: (pair.value ?? null) as Value };
  }
  const index = parseIndex(key);
  if (index === undefined) throw new OperationFailure(`'${key}' is not an array index`);
  const resolved = index < 0 ? index + container.items.length : index;
  if (index < -container.items.length || resolved >= container.items.length) throw new OperationFailure(`invalid index ${index}`);
  return { found: true, value: (container.items[resolved] ?? null) as Value };
}

function add(container: Container, key: string, value: Value): void {
  if (isMap(container)) {
    const pair = container.items.find((item) => keyText(item.key) === key);
    if (pair) pair.value = value;
    else container.items.push(new Pair(new Scalar(key), value));
    return;
  }
  if (key === '-') {
    container.items.push(value);
    return;
  }
  const index = parseIndex(key);
  if (index === undefined) throw new OperationFailure(`'${key}' is not a proper array index`);
  const size = container.items.length + 1;
  if (index >= size || index < -size) throw new OperationFailure(`invalid index ${index}`);
  container.items.splice(index < 0 ? index + size : index, 0, value);
}

function remove(container: Container, key: string): void {
  if (isMap(container)) {
    const at = container.items.findIndex((item) => keyText(item.key) === key);
    if (at < 0) throw new OperationFailure(`cannot remove nonexistent key ${key}`);
    container.items.splice(at, 1);
    return;
  }
  const index = parseIndex(key);
  if (index === undefined) throw new OperationFailure(`'${key}' is not an array index`);
  if (index >= container.items.length || index < -container.items.length) throw new OperationFailure(`invalid index ${index}`);
  container.items.splice(index < 0 ? index + container.items.length : index, 1);
}

function replace(container: Container, key: string, value: Value): void {
  if (isMap(container)) {
    add(container, key, value);
    return;
  }
  get(container, key); // validates the index
  const index = parseIndex(key) as number;
  container.items[index < 0 ? index + container.items.length : index] = value;
}

/** Finds the container holding the last token of `path`, or undefined when the path is missing. */
function locate(root: Node, path: string): { container: Container; key: string } | undefined {
  const tokens = path.split('/');
  if (tokens.length < 2) return undefined;
  let current: Container | undefined = asContainer(root);
  for (const token of tokens.slice(1, -1)) {
    if (current === undefined) return undefined;
    let next: Value;
    try {
      const found = get(current, decodeToken(token));
      if (!found.found) return undefined;
      next = found.value;
    } catch {
      return undefined;
    }
    current = asContainer(next);
  }
  if (current === undefined) return undefined;
  return { container: current, key: decodeToken(tokens[tokens.length - 1] as string) };
}

const goBooleans: Record<string, boolean> = { true: true, True: true, TRUE: true, false: false, False: false, FALSE: false };

/** A plain JSON value of a node, typing untagged plain scalars as go-yaml v3 does (for `test`). */
function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (isSeq(value)) return value.items.map((item) => toPlain(item));
  if (isMap(value)) return Object.fromEntries(value.items.map((pair) => [keyText(pair.key), toPlain(pair.value)]));
  if (!isScalar(value)) return null;
  const raw = value.value;
  if (typeof raw !== 'string') return raw ?? null;
  if (value.tag !== undefined || (value.type !== undefined && value.type !== 'PLAIN')) return raw;
  if (['', '~', 'null', 'Null', 'NULL'].includes(raw)) return null;
  if (Object.hasOwn(goBooleans, raw)) return goBooleans[raw];
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(raw) || /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(raw)) return Number(raw);
  return raw;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]));
}

function cloneValue(value: Value): Value {
  return value === null ? null : (value.clone() as Node);
}

function describeOperation(index: number, operation: unknown): string {
  if (operation === null || typeof operation !== 'object') return `operation ${index + 1}`;
  const { op, path, from } = operation as Record<string, unknown>;
  const where = typeof from === 'string' ? `${String(from)} -> ${String(path)}` : String(path);
  return `operation ${index + 1} (${String(op)} ${where})`;
}

function requireString(operation: Record<string, unknown>, field: 'path' | 'from'): string {
  const value = operation[field];
  if (typeof value !== 'string') throw new OperationFailure(`missing "${field}"`);
  return value;
}

function applyOne(root: Node, operation: Record<string, unknown>): Node {
  const op = operation.op;
  const value = (): Value => (Object.hasOwn(operation, 'value') ? toNode(operation.value) : null);
  switch (op) {
    case 'add': {
      const target = locate(root, requireString(operation, 'path'));
      if (!target) throw new OperationFailure('the document is missing the path');
      add(target.container, target.key, value());
      return root;
    }
    case 'remove': {
      const target = locate(root, requireString(operation, 'path'));
      if (!target) throw new OperationFailure('the document is missing the path');
      remove(target.container, target.key);
      return root;
    }
    case 'replace': {
      const path = requireString(operation, 'path');
      if (path === '') {
        const whole = value();
        if (whole === null || asContainer(whole) === undefined) throw new OperationFailure('replacing the whole document needs an object or array value');
        return whole;
      }
      const target = locate(root, path);
      if (!target) throw new OperationFailure('the document is missing the path');
      replace(target.container, target.key, value());
      return root;
    }
    case 'move':
    case 'copy': {
      const source = locate(root, requireString(operation, 'from'));
      if (!source) throw new OperationFailure('the document is missing the "from" path');
      const found = get(source.container, source.key);
      if (op === 'move') remove(source.container, source.key);
      else if (!found.found) throw new OperationFailure('the document is missing the "from" key');
      const target = locate(root, requireString(operation, 'path'));
      if (!target) throw new OperationFailure('the document is missing the destination path');
      add(target.container, target.key, op === 'copy' ? cloneValue(found.value) : found.value);
      return root;
    }
    case 'test': {
      const path = requireString(operation, 'path');
      const expected = Object.hasOwn(operation, 'value') ? operation.value : null;
      if (path === '') {
        if (!deepEqual(toPlain(root), expected)) throw new OperationFailure('test failed');
        return root;
      }
      const target = locate(root, path);
      if (!target) throw new OperationFailure('the document is missing the path');
      const found = get(target.container, target.key);
      if (!found.found) {
        if (expected === null) return root;
        throw new OperationFailure('test failed');
      }
      if (!deepEqual(toPlain(found.value), expected)) throw new OperationFailure('test failed');
      return root;
    }
    default:
      throw new OperationFailure(`unknown operation "${String(op)}"`);
  }
}

/**
 * Applies RFC 6902 operations to a node tree in order, mutating it, and returns the resulting root
 * (a new node only when an operation replaces the whole document).
 *
 * @param source - the patch's origin (file or kustomization), used to prefix errors.
 * @throws InvalidInputError naming the failing operation (its position, op and path) when an
 *   operation is malformed or does not apply; nothing is partially reported as success.
 */
export function applyJson6902(target: Node, operations: unknown[], source?: SourceRef): Node {
  let root = target;
  operations.forEach((operation, index) => {
    try {
      if (operation === null || typeof operation !== 'object' || Array.isArray(operation)) throw new OperationFailure('an operation must be an object');
      root = applyOne(root, operation as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof OperationFailure)) throw error;
      throw new InvalidInputError(`JSON patch ${describeOperation(index, operation)} failed: ${error.message}`, {
        ...(source ? { source } : {}),
        cause: error,
      });
    }
  });
  return root;
}

/** Go's RFC 3339 rendering of a YAML 1.1 timestamp, as kustomize's YAML-to-JSON conversion writes it. */
function timestampText(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

function normaliseDates(value: unknown): unknown {
  if (value instanceof Date) return timestampText(value);
  if (Array.isArray(value)) return value.map(normaliseDates);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, normaliseDates(item)]));
  }
  return value;
}

/**
 * Parses the text of a JSON 6902 patch the way kustomize does: JSON when it starts with `[`,
 * otherwise YAML with YAML 1.1 scalars (so `yes`/`on` are booleans), first document only.
 *
 * @throws InvalidInputError naming `source` when the text is not a list of operations.
 */
export function parseJson6902Operations(text: string, source?: SourceRef): Json6902Operation[] {
  const options = source ? { source } : {};
  let parsed: unknown;
  if (text.startsWith('[')) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch (error) {
      throw new InvalidInputError(`invalid JSON patch: ${(error as Error).message}`, { ...options, cause: error });
    }
  } else {
    const [first] = parseAllDocuments(text, { version: '1.1', uniqueKeys: false });
    if (first === undefined || !('errors' in first)) throw new InvalidInputError('empty JSON patch', options);
    if (first.errors.length > 0) throw new InvalidInputError(`invalid JSON patch: ${first.errors[0]?.message ?? ''}`, options);
    parsed = normaliseDates(first.toJS({ maxAliasCount: 100 }));
  }
  if (!Array.isArray(parsed)) throw new InvalidInputError('a JSON patch must be a list of operations', options);
  for (const [index, operation] of parsed.entries()) {
    if (operation === null || typeof operation !== 'object' || typeof (operation as Record<string, unknown>).op !== 'string') {
      throw new InvalidInputError(`JSON patch operation ${index + 1} has no "op"`, options);
    }
  }
  return parsed as Json6902Operation[];
}
