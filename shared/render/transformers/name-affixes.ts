/** `namePrefix` / `nameSuffix` and the builtin Prefix/Suffix transformer plugins. */
import { parseSpecs } from '../field-specs.ts';
import type { Resource } from '../resource.ts';
import { forEachSpecField, setStringAt, setStringField } from './spec-fields.ts';

const PREFIX_SKIP = (r: Resource): boolean =>
  r.kind === 'CustomResourceDefinition' || r.kind === 'Namespace' || (r.kind === 'APIService' && r.gvk.group === 'apiregistration.k8s.io');

/**
 * `namePrefix` / `nameSuffix`. `extra` holds fields from `namePrefix`/`nameSuffix` configurations,
 * which get the prefix (or suffix) too; they are not names, so no reference follows them.
 */
export function addNameAffixes(
  resources: readonly Resource[],
  prefix: string,
  suffix: string,
  extra: { prefix?: readonly string[]; suffix?: readonly string[] } = {},
): void {
  if (!prefix && !suffix) return;
  for (const resource of resources) {
    if (PREFIX_SKIP(resource)) continue;
    if (prefix && extra.prefix && extra.prefix.length > 0) setStringAt(resource, extra.prefix, (value) => `${prefix}${value}`);
    if (suffix && extra.suffix && extra.suffix.length > 0) setStringAt(resource, extra.suffix, (value) => `${value}${suffix}`);
    resource.rename(`${prefix}${resource.name}${suffix}`);
  }
}

/**
 * A builtin Prefix/Suffix transformer plugin: the prefix and suffix go on exactly the fields its
 * `fieldSpecs` select; `metadata/name` renames the object (so references follow it).
 */
export function addPluginAffixes(resources: readonly Resource[], prefix: string, suffix: string, specs: readonly string[]): void {
  if ((!prefix && !suffix) || specs.length === 0) return;
  const parsed = parseSpecs(specs);
  for (const resource of resources) {
    if (PREFIX_SKIP(resource)) continue;
    forEachSpecField(resource, parsed, (parent, key, spec) => {
      if (spec.path.length === 2 && spec.path[0] === 'metadata' && key === 'name') {
        resource.rename(`${prefix}${resource.name}${suffix}`);
        return;
      }
      setStringField(parent, key, spec, (value) => `${prefix}${value}${suffix}`);
    });
  }
}
