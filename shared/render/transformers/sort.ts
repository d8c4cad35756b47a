/** kustomize's final resource order. */
import type { Resource } from '../resource.ts';

const ORDER_FIRST = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

/** kustomize's legacy resource order (by kind priority, then group/version/kind, namespace, name). */
export function legacySort(resources: Resource[], orderFirst: readonly string[] = ORDER_FIRST, orderLast: readonly string[] = ORDER_LAST): Resource[] {
  const rank = new Map<string, number>();
  orderFirst.forEach((kind, i) => rank.set(kind, -orderFirst.length + i));
  orderLast.forEach((kind, i) => rank.set(kind, 1 + i));
  const gvkString = (g: { group: string; version: string; kind: string }): string => [g.group || '~G', g.version || '~V', g.kind || '~K'].join('_');
  const keyed = resources.map((resource) => {
    const gvk = resource.gvk;
    return {
      resource,
      gvk,
      rank: rank.get(gvk.kind) ?? 0,
      gvkKey: gvkString(gvk),
      idKey: [[gvk.kind || '[noKind]', gvk.version || '[noVer]', gvk.group || '[noGrp]'].join('.'), resource.namespace || '~X', resource.name || '~N'].join(
        '|',
      ),
    };
  });
  keyed.sort((a, b) => {
    if (a.gvkKey !== b.gvkKey) {
      if (a.rank !== b.rank) return a.rank - b.rank;
      if (a.gvk.kind === 'Namespace' && b.gvk.kind === 'Namespace' && (a.gvk.group === '' || b.gvk.group === '')) return a.gvkKey > b.gvkKey ? -1 : 1;
      return a.gvkKey < b.gvkKey ? -1 : 1;
    }
    return a.idKey < b.idKey ? -1 : a.idKey > b.idKey ? 1 : 0;
  });
  return keyed.map((k) => k.resource);
}
