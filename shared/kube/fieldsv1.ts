/**
 * Reading `managedFields` (format `FieldsV1`) against the object it describes.
 *
 * A fieldsV1 set is a tree of JSON objects whose keys are path steps:
 * - `f:<name>`: the field `<name>` of a map or struct;
 * - `k:<json object>`: the element of an associative list (a "list map", e.g. `containers` by
 *   `name`, `ports` by `containerPort` and `protocol`) whose key fields have these values;
 * - `v:<json value>`: the element of a set-like list equal to this value (e.g. `finalizers`);
 * - `i:<index>`: the element at this index of an atomic-element list;
 * - `.`: the node itself (the manager owns that the map or element exists, not only its fields).
 * An empty `{}` node is a leaf: a scalar, or a map or list owned as a whole (atomic).
 *
 * These functions answer which fields a manager owns and what an object looks like without one of
 * them, so that the effect of a change of ownership (see takeover.ts) can be predicted without
 * sending it to the API server.
 */
import { deepEqual } from './compare.ts';
import { isPlainObject } from './objects.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A fieldsV1 set as found in a `managedFields` entry. */
export type FieldSet = Readonly<Record<string, unknown>>;

/** A path into an object, as steps of a fieldsV1 set (`f:…`, `k:…`, `v:…`, `i:…`). */
export type FieldPath = readonly string[];

/**
 * Every path a set owns: its leaves, and the nodes marked `.` (the element or map itself; listed
 * before the fields under it, so that removing in order removes the node before its fields).
 */
export function leafPaths(set: FieldSet): FieldPath[] {
  const paths: FieldPath[] = [];
  const walk = (node: FieldSet, prefix: FieldPath): void => {
    const steps = Object.keys(node).filter((step) => step !== '.');
    if (steps.length === 0 || '.' in node) {
      if (prefix.length > 0) paths.push(prefix);
    }
    for (const step of steps) walk(asSet(node[step]), [...prefix, step]);
  };
  walk(set, []);
  return paths;
}

/**
 * True when the set owns `path` or something under it (the node is in the set), or owns a node on
 * the way to it as a whole (an empty `{}` node: an atomic map or list). A manager with such an
 * entry keeps the field in the object when another manager gives it up.
 */
export function setHolds(set: FieldSet, path: FieldPath): boolean {
  let node = set;
  for (const step of path) {
    const steps = Object.keys(node);
    if (steps.length === 0 && node !== set) return true;
    if (!Object.hasOwn(node, step)) return false;
    node = asSet(node[step]);
  }
  return true;
}

/** True when `object` holds the field or list element that `path` names. */
export function hasPath(object: unknown, path: FieldPath): boolean {
  let value = object;
  for (const step of path) {
    const found = locate(value, step);
    if (!found) return false;
    value = found.value;
  }
  return true;
}

/**
 * A copy of `object` without the field or list element that `path` names (exactly that one: a map
 * or list left empty stays); `object` itself when it does not hold the path, or the path is empty.
 * Only the containers along the path are copied, the rest is shared with `object`.
 */
export function withoutPath<T>(object: T, path: FieldPath): T {
  if (path.length === 0) return object;
  return removeAt(object, path, 0) as T;
}

function removeAt(value: unknown, path: FieldPath, depth: number): unknown {
  const found = locate(value, path[depth] as string);
  if (!found) return value;
  const last = depth === path.length - 1;
  const child = last ? undefined : removeAt(found.value, path, depth + 1);
  if (!last && child === found.value) return value;
  if (Array.isArray(value)) {
    const copy = [...(value as unknown[])];
    if (last) copy.splice(found.index as number, 1);
    else copy[found.index as number] = child;
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (last) delete copy[found.key as string];
  else copy[found.key as string] = child;
  return copy;
}

/**
 * Where one step leads in `value`: the map key or list index, and the value there; undefined when
 * it leads nowhere. A `k:`/`v:` step whose JSON does not parse matches nothing: an unreadable entry
 * never causes a removal. Key fields are compared as the server stores them (defaults included).
 */
function locate(value: unknown, step: string): { key?: string; index?: number; value: unknown } | undefined {
  const kind = step.slice(0, 2);
  const rest = step.slice(2);
  if (kind === 'f:') {
    if (!isPlainObject(value) || !Object.hasOwn(value, rest)) return undefined;
    return { key: rest, value: value[rest] };
  }
  if (!Array.isArray(value)) return undefined;
  const list = value as unknown[];
  if (kind === 'i:') {
    const index = Number(rest);
    return Number.isInteger(index) && index >= 0 && index < list.length ? { index, value: list[index] } : undefined;
  }
  let wanted: Json;
  try {
    wanted = JSON.parse(rest) as Json;
  } catch {
    return undefined;
  }
  let index = -1;
  if (kind === 'v:') index = list.findIndex((element) => deepEqual(element as Json, wanted));
  else if (kind === 'k:' && isPlainObject(wanted)) index = list.findIndex((element) => hasKeyFields(element, wanted));
  return index >= 0 ? { index, value: list[index] } : undefined;
}

/** True when `element` of an associative list is the one the step `k:<json>` names. */
export function matchesKeyStep(step: string, element: unknown): boolean {
  if (!step.startsWith('k:')) return false;
  try {
    const wanted = JSON.parse(step.slice(2)) as Json;
    return isPlainObject(wanted) && hasKeyFields(element, wanted);
  } catch {
    return false;
  }
}

/** Does `element` hold every key field of `keys`, with equal values? */
function hasKeyFields(element: unknown, keys: Record<string, Json>): boolean {
  return (
    isPlainObject(element) && Object.entries(keys).every(([field, expected]) => Object.hasOwn(element, field) && deepEqual(element[field] as Json, expected))
  );
}

function asSet(value: unknown): FieldSet {
  return isPlainObject(value) ? value : {};
}
