/**
 * Field-level drift: which fields Git sets differ in the cluster, the value on each side, and the
 * field manager that holds the field now (read from `managedFields`, so no audit log is needed).
 *
 * Only fields the desired object sets are walked: a field someone else added that Git does not
 * set (a label another controller adds, an HPA's replicas once Git stops setting them, status,
 * server defaults) can never appear here. Secret values are never copied out: every value under a
 * Secret's `data` or `stringData` reads `***`.
 */
import type { KubeObject, ManagedFieldsEntry } from './objects.ts';
import { isPlainObject, isSecret } from './objects.ts';
import { MASK } from './mask.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One field that differs: Git's value, the cluster's (absent: the field is gone), and who holds it. */
export interface FieldDrift {
  /** Dotted path; list elements by their key, e.g. `spec.template.spec.containers[name=web].image`. */
  path: string;
  /** The value Git sets (JSON text for non-strings, shortened). */
  expected: string;
  /** The value in the cluster; undefined when the cluster lacks the field. */
  actual?: string;
  /** Field managers other than Tideline's that own the field in the cluster (`kubectl`, `kubectl (scale)`). */
  manager?: string;
}

/** The changed fields of one object, bounded. */
export interface FieldDriftList {
  fields: FieldDrift[];
  /** Differing fields left out of `fields`. */
  omitted: number;
}

/** Bounds of {@link fieldDrifts}. */
export interface FieldDriftOptions {
  /** Tideline's field manager (its ownership is not reported as someone else's). */
  fieldManager: string;
  /** Fields listed at most (default 10). */
  maxFields?: number;
  /** Characters of a value shown at most (default 120). */
  maxValueLength?: number;
}

/** A step of a path: a map key, or a list element named by its merge key. */
type Segment = { field: string } | { key: string; value: Json };

/** Merge keys of the lists Kubernetes objects hold (containers, ports, env, volumes, mounts …), by preference. */
const LIST_KEYS = ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'ip', 'topologyKey', 'type'];

/**
 * The fields the desired object sets that differ in `live` (value changed or field removed), and
 * — when no value differs — the fields another manager has taken ownership of. Identity fields
 * (apiVersion, kind, name, namespace) are left out; so is everything Git does not set.
 */
export function fieldDrifts(desired: KubeObject, live: KubeObject, options: FieldDriftOptions): FieldDriftList {
  const maxFields = options.maxFields ?? 10;
  const maxValue = options.maxValueLength ?? 120;
  const secret = isSecret(desired);
  const { apiVersion: _a, kind: _k, metadata, ...rest } = storedForm(desired);
  const { name: _n, namespace: _ns, ...metaRest } = metadata;
  const shape: { [key: string]: Json } = { ...(rest as { [key: string]: Json }) };
  if (Object.keys(metaRest).length > 0) shape.metadata = metaRest as { [key: string]: Json };
  const leaves: { path: Segment[]; expected: Json; actual: Json | undefined }[] = [];
  collectLeaves(shape, live as unknown as Json, [], leaves);
  const managed = live.metadata.managedFields ?? [];
  const differing = leaves.filter((leaf) => leaf.actual === undefined || !sameJson(leaf.expected, leaf.actual));
  // A value equal on both sides can still be drift: another manager took the field over.
  const reported =
    differing.length > 0
      ? differing
      : leaves.filter((leaf) => othersOwning(managed, leaf.path, options.fieldManager).length > 0 && !ownedBy(managed, leaf.path, options.fieldManager));
  const fields = reported.slice(0, maxFields).map((leaf): FieldDrift => {
    const masked = secret && isSecretValuePath(leaf.path);
    const managers = othersOwning(managed, leaf.path, options.fieldManager);
    return {
      path: formatPath(leaf.path),
      expected: masked ? MASK : shorten(leaf.expected, maxValue),
      ...(leaf.actual !== undefined
        ? { actual: masked ? (sameJson(leaf.expected, leaf.actual) ? MASK : `${MASK} (changed)`) : shorten(leaf.actual, maxValue) }
        : {}),
      ...(managers.length > 0 ? { manager: managers.join(', ') } : {}),
    };
  });
  return { fields, omitted: reported.length - fields.length };
}

/** A Secret's write-only `stringData` is stored base64-encoded in `data`: compare it there. */
function storedForm(object: KubeObject): KubeObject {
  if (!isSecret(object) || !isPlainObject(object.stringData)) return object;
  const { stringData, ...rest } = object;
  const data: Record<string, unknown> = { ...(isPlainObject(rest.data) ? rest.data : {}) };
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  return { ...rest, data } as KubeObject;
}

function isSecretValuePath(path: Segment[]): boolean {
  const first = path[0];
  return first !== undefined && 'field' in first && (first.field === 'data' || first.field === 'stringData');
}

/** Walks `desired`, pairing each leaf with the value at the same place in `live`. */
function collectLeaves(desired: Json, live: Json | undefined, path: Segment[], out: { path: Segment[]; expected: Json; actual: Json | undefined }[]): void {
  if (isJsonMap(desired)) {
    const liveMap = isJsonMap(live) ? live : undefined;
    const keys = Object.keys(desired);
    // An empty map Git sets is a leaf of its own (`emptyDir: {}`).
    if (keys.length === 0) out.push({ path, expected: desired, actual: live });
    for (const key of keys) {
      const child = desired[key] as Json;
      if (child === null) continue; // the server drops null values of an apply
      collectLeaves(child, liveMap?.[key], [...path, { field: key }], out);
    }
    return;
  }
  if (Array.isArray(desired)) {
    const key = mergeKeyOf(desired);
    if (key === undefined || !Array.isArray(live)) {
      out.push({ path, expected: desired, actual: live });
      return;
    }
    for (const element of desired) {
      const value = (element as { [k: string]: Json })[key] as Json;
      const match = live.find((candidate) => isJsonMap(candidate) && sameJson(candidate[key] as Json, value));
      collectLeaves(element, match, [...path, { key, value }], out);
    }
    return;
  }
  out.push({ path, expected: desired, actual: live });
}

/** The merge key every element of a list of maps carries (distinct values), if any. */
function mergeKeyOf(list: Json[]): string | undefined {
  if (list.length === 0 || !list.every(isJsonMap)) return undefined;
  return LIST_KEYS.find((key) => {
    const values = list.map((element) => JSON.stringify((element as { [k: string]: Json })[key]));
    return values.every((v) => v !== undefined) && new Set(values).size === values.length;
  });
}

/** Managers (other than `self`) whose managedFields entry covers the field at `path`. */
function othersOwning(entries: readonly ManagedFieldsEntry[], path: Segment[], self: string): string[] {
  const names = new Set<string>();
  for (const entry of entries) {
    if (entry.manager === self && entry.operation === 'Apply') continue;
    if (entry.fieldsV1 && covers(entry.fieldsV1, path))
      names.add(entry.subresource ? `${entry.manager ?? 'unknown'} (${entry.subresource})` : (entry.manager ?? 'unknown'));
  }
  return [...names].sort();
}

function ownedBy(entries: readonly ManagedFieldsEntry[], path: Segment[], self: string): boolean {
  return entries.some(
    (entry) => entry.manager === self && entry.operation === 'Apply' && !entry.subresource && entry.fieldsV1 !== undefined && covers(entry.fieldsV1, path),
  );
}

/** Does a fieldsV1 set own the field at `path` (or an atomic parent of it)? */
function covers(set: Record<string, unknown>, path: Segment[]): boolean {
  let node: Record<string, unknown> = set;
  for (const segment of path) {
    const children = Object.keys(node).filter((k) => k !== '.');
    // `{}` with nothing below: the parent is owned as a whole (an atomic map or list).
    if (children.length === 0) return true;
    let next: unknown;
    if ('field' in segment) next = node[`f:${segment.field}`];
    else next = Object.entries(node).find(([k]) => k.startsWith('k:') && keyNames(k, segment.key, segment.value))?.[1];
    if (!next || typeof next !== 'object') return false;
    node = next as Record<string, unknown>;
  }
  return true;
}

function keyNames(fieldKey: string, key: string, value: Json): boolean {
  try {
    const parsed = JSON.parse(fieldKey.slice(2)) as Record<string, Json>;
    return sameJson(parsed[key] as Json, value);
  } catch {
    return false;
  }
}

function formatPath(path: Segment[]): string {
  let text = '';
  for (const segment of path) {
    if ('field' in segment)
      text += /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment.field) ? `${text ? '.' : ''}${segment.field}` : `[${JSON.stringify(segment.field)}]`;
    else text += `[${segment.key}=${typeof segment.value === 'string' ? segment.value : JSON.stringify(segment.value)}]`;
  }
  return text;
}

function shorten(value: Json, max: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isJsonMap(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

/** Equality of JSON values; numbers that print alike are equal (`1` and `1.0`). */
function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i] as Json));
  if (isJsonMap(a) && isJsonMap(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k] as Json, b[k] as Json));
  }
  return false;
}
