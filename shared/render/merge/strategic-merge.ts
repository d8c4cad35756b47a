/**
 * Strategic merge patch over `yaml` node trees, with the semantics kustomize applies to `patches`,
 * `patchesStrategicMerge` and components (its kyaml "merge2" walker), not those of the API server.
 *
 * The two differ in ways users see, and byte-for-byte compatibility with `kustomize build` is the
 * goal, so the walk below follows kustomize's rules:
 * - maps merge field by field; a `null` in the patch deletes the field; `$patch: delete|replace|merge`
 *   on a map deletes it, replaces it whole or merges it;
 * - a list merges element by element only when the schema gives it a `merge` patch strategy
 *   (elements matched on their merge keys; elements from the patch come first, then the remaining
 *   target elements); every other list, and every list of a type without a schema (custom
 *   resources), is replaced whole by the patch's list;
 * - lists of primitives with a merge strategy (e.g. `finalizers`) are merged as sets;
 * - `$patch: delete` on a list element removes the matching element; a `{$patch: replace}` element
 *   makes the patch's list replace the target's;
 * - `retainKeys` and `$setElementOrder`/`$retainKeys`/`$deleteFromPrimitiveList` directives are
 *   not interpreted (kustomize does not interpret them either): they pass through as fields.
 */
import { isMap, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { patchStrategyAndKeys, schemaElements, schemaField, schemaForType, type SchemaNode } from './schema.ts';

/** A node of the tree being merged; `undefined` stands for "absent". */
type MergeNode = YAMLMap | YAMLSeq | Scalar;
type Sources = [dest: MergeNode | undefined, origin: MergeNode | undefined];

/** Group, version and kind of the object being patched. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** How a patch may change the identity of its target (kustomize `patches[].options`). */
export interface StrategicMergeOptions {
  /** Let the patch rename the target (`options.allowNameChange`). */
  allowNameChange?: boolean;
  /** Let the patch change the target's kind (`options.allowKindChange`). */
  allowKindChange?: boolean;
}

const directiveKey = '$patch';

// Null nodes that must survive the merge: an explicit `null`/`~` already in the target that the
// patch does not mention. Empty values (`key:`) are not kept, exactly as kustomize drops them.
const keptNulls = new WeakSet<Scalar>();

class MergeFailure extends Error {}

// Plain scalars go-yaml v3 reads as null. The renderer may parse with the failsafe schema (every
// scalar a string), so "null" is recognised from the text as well as from a JS null.
const nullTexts = new Set(['', '~', 'null', 'Null', 'NULL']);

function isNullScalar(node: MergeNode | undefined): boolean {
  if (node === undefined || !isScalar(node)) return false;
  if (node.value === null || node.value === undefined) return true;
  if (typeof node.value !== 'string') return false;
  if (node.tag !== undefined) return node.tag === 'tag:yaml.org,2002:null' || node.tag === '!!null';
  if (node.type !== undefined && node.type !== 'PLAIN') return false;
  return nullTexts.has(node.value);
}

function isMissingOrNull(node: MergeNode | undefined): boolean {
  return node === undefined || isNullScalar(node);
}

function isEmptyMap(node: MergeNode | undefined): boolean {
  return isMissingOrNull(node) || (node !== undefined && isMap(node) && node.items.length === 0);
}

function isNilOrEmpty(node: MergeNode | undefined): boolean {
  if (node === undefined || isNullScalar(node)) return true;
  return (isMap(node) || isSeq(node)) && node.items.length === 0;
}

/** The text of a scalar as written (what kustomize compares merge keys on), '' for collections. */
function nodeText(node: unknown): string {
  if (!isScalar(node)) return node === null || node === undefined || typeof node === 'object' ? '' : String(node);
  if (typeof node.source === 'string') return node.source;
  return node.value === null || node.value === undefined ? '' : String(node.value);
}

function kindName(node: MergeNode): string {
  return isMap(node) ? 'map' : isSeq(node) ? 'list' : 'scalar';
}

/** Reads a pair's value as a merge node, turning a bare JS null into a null scalar in place. */
function pairValue(pair: Pair): MergeNode | undefined {
  const value = pair.value;
  if (value === null || value === undefined) {
    const empty = new Scalar(null);
    empty.source = '';
    pair.value = empty;
    return empty;
  }
  if (isMap(value) || isSeq(value) || isScalar(value)) return value;
  throw new MergeFailure(`unsupported YAML node (${typeof value}); aliases must be resolved before patching`);
}

function findPair(map: YAMLMap, name: string): Pair | undefined {
  for (const item of map.items) if (nodeText(item.key) === name) return item as Pair;
  return undefined;
}

function field(node: MergeNode | undefined, name: string): MergeNode | undefined {
  if (node === undefined || !isMap(node)) return undefined;
  const pair = findPair(node, name);
  return pair === undefined ? undefined : pairValue(pair);
}

function fieldNames(node: MergeNode | undefined): string[] {
  if (node === undefined || !isMap(node)) return [];
  return node.items.map((item) => nodeText(item.key));
}

function clearField(map: YAMLMap, name: string): void {
  const index = map.items.findIndex((item) => nodeText(item.key) === name);
  if (index >= 0) map.items.splice(index, 1);
}

/** kyaml FieldSetter: clear on absent/null values, replace in place, or append a new field. */
function setField(map: YAMLMap, name: string, value: MergeNode | undefined): void {
  if (value === undefined || (isNullScalar(value) && !(isScalar(value) && keptNulls.has(value)))) {
    clearField(map, name);
    return;
  }
  const existing = findPair(map, name);
  if (existing) {
    if (existing.value !== value) inheritQuoting(existing.value, value);
    existing.value = value;
  } else map.items.push(new Pair(new Scalar(name), value));
}

const quotedStyles = new Set(['QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED']);

/**
 * kustomize gives a replacing scalar the style of the value it replaces, and its YAML round trip
 * then reads a quoted `0` or `true` as a string: `replicas: "3"` patched with `replicas: 5` renders
 * `replicas: "5"`. Reproduced by making such a value a quoted string.
 */
function inheritQuoting(previous: unknown, next: MergeNode): void {
  if (!isScalar(previous) || !isScalar(next) || isNullScalar(next)) return;
  if (typeof previous.type !== 'string' || !quotedStyles.has(previous.type)) return;
  if (next.type !== undefined && next.type !== 'PLAIN') return;
  if (typeof next.value !== 'string') next.value = nodeText(next);
  next.type = 'QUOTE_DOUBLE';
}

function elements(node: MergeNode): MergeNode[] {
  if (!isSeq(node)) return [];
  return node.items.map((item, index) => {
    if (item === null || item === undefined) {
      const empty = new Scalar(null);
      empty.source = '';
      node.items[index] = empty;
      return empty;
    }
    if (isMap(item) || isSeq(item) || isScalar(item)) return item;
    throw new MergeFailure('unsupported YAML node in a list; aliases must be resolved before patching');
  });
}

/** kyaml FieldMatcher on one element: does `key` hold `value` (any value when `value` is '')? */
function elementHas(elem: MergeNode, key: string, value: string): boolean {
  if (isMissingOrNull(elem)) return false;
  if (key === '') {
    if (!isScalar(elem)) throw new MergeFailure(`expected a scalar list element, found a ${kindName(elem)}`);
    return nodeText(elem) === value;
  }
  if (!isMap(elem)) throw new MergeFailure(`expected a map list element, found a ${kindName(elem)}`);
  const pair = findPair(elem, key);
  if (pair === undefined) return false;
  return value === '' || nodeText(pairValue(pair)) === value;
}

/**
 * kyaml ElementSetter: replaces the element matching keys/values with `element` (or removes it when
 * `element` is absent), appending when nothing matches. Like kustomize, it also drops null and
 * empty-map elements from the list as a side effect.
 */
function setElement(list: YAMLSeq, keys: string[], values: string[], element: MergeNode | undefined): void {
  const effectiveKeys = keys.length === 0 ? [''] : keys;
  const mappingSetter = effectiveKeys[0] !== '' && values.length > 0 && values[0] !== '';
  const kept: unknown[] = [];
  let matched = false;
  for (const elem of elements(list)) {
    if (isMissingOrNull(elem) || isEmptyMap(elem)) continue;
    if (!isMap(elem) && mappingSetter) {
      kept.push(elem);
      continue;
    }
    let found = true;
    let lastMatch = false;
    effectiveKeys.forEach((key, j) => {
      if (!found) return;
      if (j < values.length) lastMatch = elementHas(elem, key, values[j] as string);
      if (!lastMatch) found = false;
    });
    if (!found) {
      if (values.length > 0) kept.push(elem);
      continue;
    }
    matched = true;
    if (element === undefined) continue;
    kept.push(element);
  }
  list.items = kept;
  if (isMissingOrNull(element)) return;
  if (!matched) list.items.push(element);
}

/**
 * kyaml ElementList: the first element whose keys hold exactly the values. Unlike the element
 * setter above, an empty value only matches a key that is present and empty.
 */
function findElement(list: MergeNode | undefined, keys: string[], values: string[]): MergeNode | undefined {
  if (list === undefined || !isSeq(list)) return undefined;
  if (keys.length === 0 || keys[0] === '') {
    const wanted = values[0] ?? '';
    return elements(list).find((elem) => nodeText(elem) === wanted);
  }
  return elements(list).find(
    (elem) =>
      isMap(elem) &&
      keys.every((key, i) => {
        const pair = findPair(elem, key);
        return pair !== undefined && nodeText(pairValue(pair)) === (values[i] ?? '');
      }),
  );
}

type Directive = 'merge' | 'replace' | 'delete';

/** Reads (and removes from the patch) a `$patch` directive of a map or list. */
function takeDirective(origin: MergeNode | undefined): Directive | 'unknown' {
  if (origin === undefined) return 'merge';
  if (isMap(origin)) {
    const pair = findPair(origin, directiveKey);
    if (pair === undefined) return 'merge';
    const value = nodeText(pairValue(pair));
    if (value !== 'delete' && value !== 'replace' && value !== 'merge') throw new MergeFailure(`unknown patch strategy '${value}'`);
    clearField(origin, directiveKey);
    return value;
  }
  if (isSeq(origin)) {
    const holder = elements(origin).find((elem) => isMap(elem) && findPair(elem, directiveKey) !== undefined);
    // A `$patch` inside an element with other fields is about that element, not the list.
    if (holder === undefined || !isMap(holder) || holder.items.length > 1) return 'merge';
    const value = nodeText(field(holder, directiveKey));
    if (value !== 'delete' && value !== 'replace' && value !== 'merge') throw new MergeFailure(`unknown patch strategy '${value}'`);
    setElement(origin, [directiveKey], [value], undefined);
    return value;
  }
  return 'unknown';
}

/** The schema of a node with no schema from its parent: its own apiVersion/kind, if it has them. */
function schemaFromMeta(sources: Sources): SchemaNode | undefined {
  for (const source of sources) {
    if (isMissingOrNull(source) || source === undefined || !isMap(source)) continue;
    const apiVersion = field(source, 'apiVersion');
    const kind = field(source, 'kind');
    if (apiVersion === undefined || kind === undefined || !isScalar(apiVersion) || !isScalar(kind)) continue;
    const apiVersionText = nodeText(apiVersion);
    const kindText = nodeText(kind);
    if (apiVersionText === '' || kindText === '') continue;
    const schema = schemaForType(apiVersionText, kindText);
    if (schema !== undefined) return schema;
  }
  return undefined;
}

function walk(sources: Sources, given: SchemaNode | undefined, path: string[]): MergeNode | undefined {
  const schema = given ?? schemaFromMeta(sources);
  const present = sources.find((source) => !isMissingOrNull(source));
  if (present !== undefined) {
    for (const source of sources) {
      if (source !== undefined && !isMissingOrNull(source) && kindName(source) !== kindName(present)) {
        throw new MergeFailure(`${path.join('.') || 'object'}: cannot merge a ${kindName(source)} with a ${kindName(present)}`);
      }
    }
  }
  if (present === undefined || isMap(present)) return walkMap(sources, schema, path);
  if (isSeq(present)) {
    const associative = schema !== undefined && patchStrategyAndKeys(schema).strategy.split(',').includes('merge');
    return associative ? walkAssociativeList(sources, schema, path) : visitList(sources, false);
  }
  return sources[1] !== undefined ? sources[1] : sources[0];
}

function visitMap(sources: Sources): MergeNode | undefined {
  const [dest, origin] = sources;
  if (isMissingOrNull(dest)) {
    let directive: Directive | 'unknown' = 'merge';
    try {
      directive = takeDirective(origin);
    } catch (error) {
      // kustomize ignores a bad directive on a field the target does not have yet.
      if (!(error instanceof MergeFailure)) throw error;
    }
    if (directive === 'delete') return undefined;
    if (origin === undefined && dest !== undefined && isScalar(dest) && isNullScalar(dest) && nodeText(dest) !== '') {
      keptNulls.add(dest);
      return dest;
    }
    return origin;
  }
  if (isNullScalar(origin)) return undefined;
  const directive = takeDirective(origin);
  if (directive === 'unknown') throw new MergeFailure('no strategic merge patch strategy for a scalar');
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return origin;
  return dest;
}

function walkMap(sources: Sources, schema: SchemaNode | undefined, path: string[]): MergeNode | undefined {
  const dest = visitMap(sources);
  if (dest === undefined) return undefined;
  sources[0] = dest;
  const names = [...new Set([...fieldNames(sources[0]), ...fieldNames(sources[1])])].sort(compareBytes);
  for (const name of names) {
    const value = walk([field(sources[0], name), field(sources[1], name)], schema === undefined ? undefined : schemaField(schema, name), [...path, name]);
    if (!isMap(dest)) throw new MergeFailure(`${path.join('.') || 'object'}: cannot set field ${name} on a ${kindName(dest)}`);
    setField(dest, name, value);
  }
  return dest;
}

function visitList(sources: Sources, associative: boolean): MergeNode | undefined {
  const [dest, origin] = sources;
  if (!associative) return origin !== undefined ? origin : dest;
  if (isMissingOrNull(dest)) return origin;
  if (isNullScalar(origin)) return undefined;
  const directive = takeDirective(origin);
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return origin;
  return dest;
}

// --- associative lists: a faithful port of kustomize's element matching, quirks included --------

function validateKeys(valuesList: string[][], values: string[], keys: string[]): [string[], string[]] {
  const validKeySet = new Set<string>();
  for (const vs of valuesList) vs.forEach((v, i) => v !== '' && validKeySet.add(keys[i] as string));
  if (validKeySet.size === 0) return [keys, values];
  const validKeys = keys.filter((key) => validKeySet.has(key));
  const validValues = values.filter((v, i) => v !== '' || validKeySet.has(keys[i] as string));
  return [validKeys, validValues];
}

function matchValues(a: string[], b: string[]): string[] | undefined {
  if (a.length !== b.length) return undefined;
  let common = false;
  const result: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) {
      common = true;
      result.push(x);
      continue;
    }
    if (x !== '' && y !== '') return undefined;
    result.push(x !== '' ? x : y);
  }
  return common ? result : undefined;
}

function mergeValues(valuesList: string[][]): string[][] {
  for (let i = 0; i < valuesList.length; i++) {
    for (let j = 0; j < valuesList.length; j++) {
      const merged = matchValues(valuesList[i] as string[], valuesList[j] as string[]);
      if (merged) {
        valuesList[i] = merged;
        valuesList[j] = merged;
      }
    }
  }
  return valuesList;
}

/**
 * The distinct values of the elements of both lists, patch elements first (kustomize prepends
 * patch elements); an element whose values are empty is left out.
 */
function distinctValues(sources: Sources, valuesOf: (elem: MergeNode) => string[]): string[][] {
  const result: string[][] = [];
  const seen = new Set<string>();
  for (const source of [sources[1], sources[0]]) {
    if (source === undefined || !isSeq(source)) continue;
    for (const elem of elements(source)) {
      const values = valuesOf(elem);
      const id = values.join('\u0000');
      if (values.length === 0 || seen.has(id)) continue;
      seen.add(id);
      result.push(values);
    }
  }
  return result;
}

/** Key values of each element, patch elements first. */
function elementValues(sources: Sources, keys: string[]): string[][] {
  return distinctValues(sources, (elem) =>
    keys.map((key) => {
      const value = isMap(elem) ? field(elem, key) : undefined;
      return isNilOrEmpty(value) ? '' : nodeText(value);
    }),
  );
}

function primitiveValues(sources: Sources): string[][] {
  return distinctValues(sources, (elem) => [nodeText(elem)]);
}

function scalarFromText(text: string): Scalar {
  const scalar = new Scalar(/^-?(0|[1-9][0-9]*)$/.test(text) ? Number(text) : text);
  scalar.source = text;
  return scalar;
}

function appendListNode(dst: YAMLSeq, src: YAMLSeq, keys: string[]): YAMLSeq {
  for (const elem of elements(src)) {
    if (keys[0] === '') {
      setElement(dst, [''], [nodeText(elem)], elem);
      continue;
    }
    const values: string[] = [];
    for (const key of keys) {
      const value = isMap(elem) ? field(elem, key) : undefined;
      if (value === undefined) {
        dst.items.push(elem);
        continue;
      }
      values.push(nodeText(value));
    }
    if (keys.length > 1) setElement(dst, keys, values, undefined);
    setElement(dst, keys, values, elem);
  }
  return dst;
}

function setAssociativeElements(
  sources: Sources,
  schema: SchemaNode | undefined,
  inputValues: string[][],
  keys: string[],
  dest: YAMLSeq,
  path: string[],
): MergeNode | undefined {
  const toAdd = new YAMLSeq();
  const elementSchema = schema === undefined ? undefined : schemaElements(schema);
  const valuesList = keys.length > 1 ? mergeValues(inputValues) : inputValues;
  let validKeys: string[] = [];
  let validValues: string[] = [];
  for (const values of valuesList) {
    if (values.length === 0) continue;
    [validKeys, validValues] = validateKeys(valuesList, values, keys);
    const [lookupKeys, lookupValues] = validateKeys([validValues], validValues, validKeys);
    const val = walk([findElement(sources[0], lookupKeys, lookupValues), findElement(sources[1], lookupKeys, lookupValues)], elementSchema, [
      ...path,
      `[${validKeys.map((key, i) => `${key}=${validValues[i] ?? ''}`).join(',')}]`,
    ]);
    let removed = false;
    for (let i = 0; i < validKeys.length; i++) {
      const key = validKeys[i] as string;
      if (isMissingOrNull(val) || isEmptyMap(val)) {
        setElement(dest, validKeys, validValues, undefined);
        removed = true;
      } else if (val !== undefined && isMap(val) && field(val, key) === undefined && (validValues[i] ?? '') !== '') {
        setField(val, key, scalarFromText(validValues[i] as string));
      }
    }
    if (removed || val === undefined) continue;
    setElement(toAdd, validKeys, validValues, val);
  }
  let result: YAMLSeq = dest;
  if (valuesList.length > 0) result = appendListNode(toAdd, dest, validKeys);
  if (isMissingOrNull(result)) return undefined;
  if (result !== dest) dest.items = result.items;
  return dest;
}

function walkAssociativeList(sources: Sources, schema: SchemaNode | undefined, path: string[]): MergeNode | undefined {
  const dest = visitList(sources, true);
  if (dest === undefined) return undefined;
  sources[0] = dest;
  if (!isSeq(dest)) return dest;
  const keys = schema === undefined ? [] : patchStrategyAndKeys(schema).keys;
  const values = elementValues(sources, keys);
  if (values.length !== 0 || keys.length > 0) return setAssociativeElements(sources, schema, values, keys, dest, path);
  return setAssociativeElements(sources, schema, primitiveValues(sources), [''], dest, path);
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function apiVersionOf(gvk: GroupVersionKind): string {
  return gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
}

function scalarString(node: MergeNode | undefined): string {
  return node !== undefined && isScalar(node) ? nodeText(node) : '';
}

function setMetadataField(target: YAMLMap, name: string, value: string): void {
  let metadata = field(target, 'metadata');
  if (metadata === undefined || !isMap(metadata)) {
    metadata = new YAMLMap();
    setField(target, 'metadata', metadata);
  }
  setField(metadata as YAMLMap, name, new Scalar(value));
}

/**
 * Applies a strategic merge patch to one object the way `kustomize build` does, mutating and
 * returning `target`. Returns `null` when the patch deletes the object (`$patch: delete` at its top).
 *
 * After the merge, the target keeps its kind, name and namespace unless `options` allow a change,
 * as kustomize does: a patch addresses its target by identity, it does not move it.
 *
 * @throws InvalidInputError naming the object when the patch cannot apply (a list merged with a map,
 *   an unknown `$patch` directive).
 */
export function strategicMergePatch(target: YAMLMap, patch: YAMLMap, gvk: GroupVersionKind, options: StrategicMergeOptions = {}): YAMLMap | null {
  const kind = scalarString(field(target, 'kind'));
  const metadata = field(target, 'metadata');
  const name = scalarString(field(metadata, 'name'));
  const namespace = scalarString(field(metadata, 'namespace'));
  const describe = { apiVersion: apiVersionOf(gvk), kind: gvk.kind, name, ...(namespace ? { namespace } : {}) };
  let merged: MergeNode | undefined;
  try {
    // kustomize patches each target with its own copy: directives are consumed while merging.
    merged = walk([target, patch.clone() as YAMLMap], schemaForType(apiVersionOf(gvk), gvk.kind), []);
  } catch (error) {
    if (error instanceof MergeFailure) throw new InvalidInputError(`strategic merge patch failed: ${error.message}`, { object: describe, cause: error });
    throw error;
  }
  if (merged === undefined || isNullScalar(merged) || (isMap(merged) && merged.items.length === 0)) return null;
  if (!isMap(merged)) throw new InvalidInputError('strategic merge patch did not produce an object', { object: describe });
  if (!options.allowKindChange && kind !== '') setField(merged, 'kind', new Scalar(kind));
  if (!options.allowNameChange && name !== '') setMetadataField(merged, 'name', name);
  if (namespace !== '') setMetadataField(merged, 'namespace', namespace);
  else {
    const mergedMetadata = field(merged, 'metadata');
    if (mergedMetadata !== undefined && isMap(mergedMetadata)) clearField(mergedMetadata, 'namespace');
  }
  return merged;
}
