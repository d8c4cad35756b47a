/** The label and annotation transformers (`labels`, `commonLabels`, `commonAnnotations` and their builtin plugins). */
import { type Scalar, YAMLMap, isMap, isScalar } from 'yaml';
import { parseSpecs } from '../field-specs.ts';
import { type Resource, mapGet, mapSet, stringScalar } from '../resource.ts';
import { forEachSpecField } from './spec-fields.ts';

/**
 * Sets string entries in the maps the specs select (labels, annotations, selectors).
 *
 * Mirrors kustomize's setter exactly, including a quirk that shows in overlays: per object and key,
 * every entry the transformer *adds* is one shared YAML node, while an entry that already exists is
 * overwritten in place. So when an overlay later changes a label that a base added to both
 * `metadata.labels` and a selector, the selector changes too.
 */
export function addMapEntries(resources: readonly Resource[], table: readonly string[], entries: Record<string, string>): void {
  const specs = parseSpecs(table);
  const keys = Object.keys(entries).sort();
  for (const resource of resources) {
    const added = new Map<string, Scalar>();
    forEachSpecField(resource, specs, (parent, key, spec) => {
      let target = mapGet(parent, key);
      if (target === undefined || (isScalar(target) && (target.value === null || target.value === ''))) {
        if (!spec.create) return;
        target = new YAMLMap();
        mapSet(parent, key, target);
      }
      if (!isMap(target)) return;
      for (const k of keys) {
        const value = entries[k] as string;
        const existing = mapGet(target, k);
        if (isScalar(existing)) {
          existing.value = value;
          delete existing.tag;
          if (existing.type === 'PLAIN' || existing.type === undefined) existing.type = 'QUOTE_DOUBLE';
          (existing as { source?: string }).source = value;
          continue;
        }
        let node = added.get(k);
        if (!node) {
          node = stringScalar(value);
          added.set(k, node);
        }
        mapSet(target, k, node);
      }
    });
  }
}
