/** The `replicas:` transformer and the builtin ReplicaCountTransformer plugin. */
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseSpecs, specSelects } from '../field-specs.ts';
import { type Resource, mapSet, plainScalar } from '../resource.ts';
import { forEachSpecField } from './spec-fields.ts';

/** `replicas:` — sets spec.replicas of the named workloads. */
export function setReplicas(
  resources: readonly Resource[],
  rules: readonly { name: string; count: number }[],
  extraSpecs: readonly string[] = [],
  withDefaults = true,
  file = '',
): void {
  const defaults = withDefaults
    ? ['//Deployment spec/replicas!', '//ReplicationController spec/replicas!', '//ReplicaSet spec/replicas!', '//StatefulSet spec/replicas!']
    : [];
  const specs = parseSpecs([...defaults, ...extraSpecs]);
  for (const rule of rules) {
    let found = false;
    for (const resource of resources) {
      if (!resource.nameHistory.includes(rule.name) && resource.name !== rule.name) continue;
      if (specs.some((spec) => specSelects(spec, resource.gvk))) found = true;
      forEachSpecField(resource, specs, (parent, key) => mapSet(parent, key, plainScalar(String(rule.count))));
    }
    // kustomize fails a replica count that names no object of the kinds it may scale.
    if (!found) {
      const kinds = [...new Set(specs.map((spec) => spec.kind || '(any kind)'))].join(', ');
      throw new InvalidInputError(`replicas: no ${kinds} named "${rule.name}"`, { source: { file } });
    }
  }
}
