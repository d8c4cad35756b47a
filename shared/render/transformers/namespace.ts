/** The `namespace:` transformer. */
import { isMap, isSeq } from 'yaml';
import { CLUSTER_SCOPED_KINDS } from '../field-specs.ts';
import { type Resource, getNode, getString, mapGet, mapSet, stringScalar } from '../resource.ts';
import { setStringAt } from './spec-fields.ts';

/** The `namespace:` transformer; `extraSpecs` are fields from `namespace` configurations. */
export function setNamespace(resources: readonly Resource[], namespace: string, extraSpecs: readonly string[] = []): void {
  for (const resource of resources) {
    resource.namespaceTransformed = true;
    if (extraSpecs.length > 0) setStringAt(resource, extraSpecs, () => namespace);
    const kind = resource.kind;
    if (!CLUSTER_SCOPED_KINDS.has(kind)) resource.setNamespace(namespace);
    if (kind === 'Namespace' && resource.apiVersion === 'v1') resource.rename(namespace);
    if ((kind === 'RoleBinding' || kind === 'ClusterRoleBinding') && resource.gvk.group === 'rbac.authorization.k8s.io') {
      const subjects = getNode(resource.node, ['subjects']);
      if (isSeq(subjects)) {
        for (const subject of subjects.items) {
          if (isMap(subject) && getString(subject, ['name']) === 'default') mapSet(subject, 'namespace', stringScalar(namespace));
        }
      }
    }
    if (kind === 'APIService' && resource.gvk.group === 'apiregistration.k8s.io') {
      const service = getNode(resource.node, ['spec', 'service']);
      if (isMap(service)) mapSet(service, 'namespace', stringScalar(namespace));
    }
    if (kind === 'CustomResourceDefinition') {
      const service = getNode(resource.node, ['spec', 'conversion', 'webhook', 'clientConfig', 'service']);
      if (isMap(service) && mapGet(service, 'namespace') !== undefined) mapSet(service, 'namespace', stringScalar(namespace));
    }
  }
}
