/**
 * Walking the fields a kustomize field spec selects (`group/version/kind path[!]`), which every
 * builtin transformer is driven by: where a path ends in an object, and setting a string there.
 */
import { YAMLMap, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { scalarText } from '../yaml/go-value.ts';
import { parseSpecs, specSelects, type FieldSpec } from '../field-specs.ts';
import { type Resource, mapGet, mapSet, stringScalar } from '../resource.ts';

/**
 * Calls `visit(parent, key)` for every place a field spec's path ends in this node tree. With
 * `create`, missing maps on the way are added, but not a segment `lists` marks as a list.
 */
export function walkSpec(
  node: YamlNode | undefined,
  path: readonly string[],
  create: boolean,
  visit: (parent: YAMLMap, key: string) => void,
  lists?: readonly boolean[],
  at = 0,
): void {
  if (node === undefined) return;
  if (isSeq(node)) {
    for (const item of node.items) walkSpec(item as YamlNode, path, create, visit, lists, at);
    return;
  }
  if (!isMap(node)) return;
  const head = path[at];
  if (head === undefined) return;
  if (at === path.length - 1) {
    visit(node, head);
    return;
  }
  let child = mapGet(node, head);
  if ((child === undefined || (isScalar(child) && child.value === null)) && create && lists?.[at] !== true) {
    child = new YAMLMap();
    mapSet(node, head, child);
  }
  walkSpec(child, path, create, visit, lists, at + 1);
}

/** Applies `visit` at every field the specs select for this resource. */
export function forEachSpecField(resource: Resource, specs: readonly FieldSpec[], visit: (parent: YAMLMap, key: string, spec: FieldSpec) => void): void {
  const gvk = resource.gvk;
  for (const spec of specs) {
    if (!specSelects(spec, gvk)) continue;
    walkSpec(resource.node, spec.path, spec.create, (parent, key) => visit(parent, key, spec), spec.lists);
  }
}

/**
 * Sets the string field `key` of `parent` to `value(current)` (current is '' when absent or null),
 * as kustomize's field setter does: a missing field only where the spec may create it, and never
 * over a map or list.
 */
export function setStringField(parent: YAMLMap, key: string, spec: FieldSpec, value: (current: string) => string): void {
  const current = mapGet(parent, key);
  if ((current === undefined && !spec.create) || (current !== undefined && !isScalar(current))) return;
  mapSet(parent, key, stringScalar(value(current === undefined || current.value === null ? '' : (scalarText(current) ?? ''))));
}

/** Sets a string at every field the (configured) specs select (created only where a spec says so). */
export function setStringAt(resource: Resource, table: readonly string[], value: (current: string) => string): void {
  forEachSpecField(resource, parseSpecs(table), (parent, key, spec) => setStringField(parent, key, spec, value));
}
