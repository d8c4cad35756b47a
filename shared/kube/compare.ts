/**
 * Deciding "Unchanged" without writing, and — for the no-op fast path — without even a dry-run.
 *
 * An object is unchanged when applying it again would change nothing. Two checks answer that:
 * - {@link unchangedOnManagedFields} (no request): the fields our field manager owns in the live
 *   object (its `managedFields` entry) are exactly the fields of the desired object, and every
 *   desired value is present in the live object. Server defaults (extra live fields) are fine;
 *   a field we dropped from the manifest, a value someone changed, or a value the server
 *   normalises (`cpu: 0.5` → `500m`) makes the check fail, and the caller falls back to:
 * - {@link sameObject} on a server-side dry-run result versus the live object.
 * The first check is conservative: it may say "changed" for an unchanged object (costing a dry-run)
 * but never "unchanged" for an object an apply would modify.
 */
import type { KubeObject, ManagedFieldsEntry } from './objects.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** True when the live object provably already holds the desired object on the fields we manage. */
export function unchangedOnManagedFields(desired: KubeObject, live: KubeObject, manager: string): boolean {
  const entries = (live.metadata.managedFields ?? []).filter((e: ManagedFieldsEntry) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  if (entries.length !== 1) return false;
  const entry = entries[0] as ManagedFieldsEntry;
  if (entry.apiVersion !== desired.apiVersion || !entry.fieldsV1) return false;
  // apiVersion, kind, name and namespace identify the object and never appear in managedFields.
  const { apiVersion: _a, kind: _k, metadata, ...rest } = desired;
  const { name: _n, namespace: _ns, ...metaRest } = metadata;
  const shape: Record<string, unknown> = { ...rest };
  if (Object.keys(metaRest).length > 0) shape.metadata = metaRest;
  const stripped = stripNulls(shape as Json);
  return fieldsMatch(stripped, entry.fieldsV1) && containedIn(asStored(desired, stripped), live as unknown as Json);
}

/**
 * The desired value as the server stores it: a Secret's write-only `stringData` ends up in `data`,
 * base64-encoded (managedFields still name `stringData`, so only the value check needs this).
 */
function asStored(desired: KubeObject, value: Json): Json {
  if (desired.kind !== 'Secret' || desired.apiVersion !== 'v1' || !value || typeof value !== 'object' || Array.isArray(value)) return value;
  const { stringData, ...rest } = value as { [key: string]: Json };
  if (!stringData || typeof stringData !== 'object' || Array.isArray(stringData)) return value;
  const data: { [key: string]: Json } = { ...((rest.data as { [key: string]: Json } | undefined) ?? {}) };
  for (const [key, text] of Object.entries(stringData)) data[key] = Buffer.from(String(text), 'utf8').toString('base64');
  return { ...rest, data };
}

/** Removes null-valued keys (the server drops them from applied configurations). */
function stripNulls(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, child] of Object.entries(value)) if (child !== null) out[key] = stripNulls(child);
    return out;
  }
  return value;
}

/** Does the fieldsV1 set describe exactly the fields of `value` (list elements matched by key)? */
function fieldsMatch(value: Json, fields: unknown): boolean {
  if (!fields || typeof fields !== 'object') return false;
  const set = fields as Record<string, unknown>;
  const keys = Object.keys(set).filter((k) => k !== '.');
  // `{}` is a leaf: a scalar, or an atomic map/list owned as a whole; values are compared separately.
  if (keys.length === 0) return true;
  if (Array.isArray(value)) {
    if (keys.length !== value.length) return false;
    const unused = new Set(keys);
    for (const element of value) {
      const match = [...unused].find((k) => elementMatches(k, element));
      if (match === undefined) return false;
      unused.delete(match);
      if (match.startsWith('k:') && !fieldsMatch(element, set[match])) return false;
    }
    return true;
  }
  if (!value || typeof value !== 'object') return false;
  const valueKeys = Object.keys(value);
  if (valueKeys.length !== keys.length) return false;
  for (const key of valueKeys) {
    const child = set[`f:${key}`];
    if (child === undefined || !fieldsMatch((value as Record<string, Json>)[key] as Json, child)) return false;
  }
  return true;
}

/** Does a list-element key (`k:{...}` or `v:...`) name `element`? Defaulted key fields may be absent. */
function elementMatches(key: string, element: Json): boolean {
  try {
    if (key.startsWith('v:')) return deepEqual(JSON.parse(key.slice(2)) as Json, element);
    if (!key.startsWith('k:') || !element || typeof element !== 'object' || Array.isArray(element)) return false;
    const keyValues = JSON.parse(key.slice(2)) as Record<string, Json>;
    let named = 0;
    for (const [field, expected] of Object.entries(keyValues)) {
      const actual = (element as Record<string, Json>)[field];
      if (actual === undefined) continue;
      if (!deepEqual(actual, expected)) return false;
      named++;
    }
    return named > 0;
  } catch {
    return false;
  }
}

/** Is every desired value present in `live` (maps: subset; lists: same length, element-wise)? */
export function containedIn(desired: Json, live: Json | undefined): boolean {
  if (live === undefined) return false;
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((element, i) => containedIn(element, live[i]));
  }
  if (desired && typeof desired === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(desired).every(([key, value]) => containedIn(value, (live as Record<string, Json>)[key]));
  }
  return desired === live;
}

/** Structural equality of JSON values (key order ignored). */
export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i] as Json));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && deepEqual(a[k] as Json, b[k] as Json));
  }
  return false;
}

/**
 * True when a dry-run result equals the live object, ignoring what the server rewrites on every
 * write attempt (managedFields timestamps). A no-op apply keeps resourceVersion and generation.
 */
export function sameObject(dryRun: KubeObject, live: KubeObject): boolean {
  return deepEqual(normalize(dryRun), normalize(live));
}

function normalize(object: KubeObject): Json {
  const copy = structuredClone(object) as KubeObject;
  copy.metadata.managedFields = (copy.metadata.managedFields ?? []).map(({ time: _t, ...rest }) => rest);
  return copy as unknown as Json;
}
