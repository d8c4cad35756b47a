/**
 * kustomize's builtin field specifications: which fields each transformer touches, per kind.
 * Format: `group/version/kind path[!]` where empty group/version/kind match any and a trailing `!`
 * means "create the field when missing".
 */
import type { YAMLMap } from 'yaml';
import { getString } from './resource.ts';

const METADATA_LABELS = [
  '// metadata/labels!',
  '/v1/ReplicationController spec/template/metadata/labels!',
  '//Deployment spec/template/metadata/labels!',
  '//ReplicaSet spec/template/metadata/labels!',
  '//DaemonSet spec/template/metadata/labels!',
  'apps//StatefulSet spec/template/metadata/labels!',
  'batch//Job spec/template/metadata/labels!',
  'batch//CronJob spec/jobTemplate/metadata/labels!',
  'batch//CronJob spec/jobTemplate/spec/template/metadata/labels!',
];
const VOLUME_CLAIM_TEMPLATE_LABELS = ['apps//StatefulSet spec/volumeClaimTemplates[]/metadata/labels!'];

const affinity = (kind: string): string[] =>
  [
    'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
    'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
    'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
    'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
    'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels',
  ].map((p) => `apps//${kind} ${p}`);

/** Fields `commonLabels` (and `labels` with includeSelectors) set. */
export const COMMON_LABEL_SPECS: readonly string[] = [
  '/v1/Service spec/selector!',
  '/v1/ReplicationController spec/selector!',
  '//Deployment spec/selector/matchLabels!',
  ...affinity('Deployment'),
  '//ReplicaSet spec/selector/matchLabels!',
  '//DaemonSet spec/selector/matchLabels!',
  'apps//StatefulSet spec/selector/matchLabels!',
  ...affinity('StatefulSet'),
  'batch//Job spec/selector/matchLabels',
  'batch//CronJob spec/jobTemplate/spec/selector/matchLabels',
  'policy//PodDisruptionBudget spec/selector/matchLabels',
  'networking.k8s.io//NetworkPolicy spec/podSelector/matchLabels',
  'networking.k8s.io//NetworkPolicy spec/ingress/from/podSelector/matchLabels',
  'networking.k8s.io//NetworkPolicy spec/egress/to/podSelector/matchLabels',
  ...METADATA_LABELS,
  ...VOLUME_CLAIM_TEMPLATE_LABELS,
];

/** Fields `labels` with includeTemplates set. */
export const TEMPLATE_LABEL_SPECS: readonly string[] = [...METADATA_LABELS, ...VOLUME_CLAIM_TEMPLATE_LABELS];
/** Fields plain `labels` set. */
export const METADATA_LABEL_SPECS: readonly string[] = ['// metadata/labels!'];

/** Fields `commonAnnotations` set. */
export const COMMON_ANNOTATION_SPECS: readonly string[] = [
  '// metadata/annotations!',
  '/v1/ReplicationController spec/template/metadata/annotations!',
  '//Deployment spec/template/metadata/annotations!',
  '//ReplicaSet spec/template/metadata/annotations!',
  '//DaemonSet spec/template/metadata/annotations!',
  '//StatefulSet spec/template/metadata/annotations!',
  'batch//Job spec/template/metadata/annotations!',
  'batch//CronJob spec/jobTemplate/metadata/annotations!',
  'batch//CronJob spec/jobTemplate/spec/template/metadata/annotations!',
];

/** Fields `replicas` sets. */
export const REPLICA_SPECS: readonly string[] = [
  '//Deployment spec/replicas!',
  '//ReplicationController spec/replicas!',
  '//ReplicaSet spec/replicas!',
  '//StatefulSet spec/replicas!',
];

/** Image fields beyond the containers/initContainers lists found anywhere in an object. */
export const IMAGE_SPECS: readonly string[] = [
  '// spec/containers[]/image!',
  '// spec/initContainers[]/image!',
  '// spec/volumes[]/image/reference!',
  '// spec/template/spec/containers[]/image!',
  '// spec/template/spec/initContainers[]/image!',
  '// spec/template/spec/volumes[]/image/reference!',
];

/** A parsed field spec. */
export interface FieldSpec {
  group: string;
  version: string;
  kind: string;
  path: string[];
  create: boolean;
  /**
   * Segments written with a `[]` marker (`volumeClaimTemplates[]`): they name a list, which a
   * creating spec never creates when it is missing (kustomize adds nothing then).
   */
  lists?: readonly boolean[];
}

/** Splits a spec path on unescaped slashes (`a/b\/c` -> a, b/c) and drops `[]` markers. */
export function splitSpecPath(specPath: string): string[] {
  return splitKeepingMarkers(specPath).map((part) => part.replace(/\[\]$/, ''));
}

function splitKeepingMarkers(specPath: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < specPath.length; i++) {
    const ch = specPath[i] as string;
    if (ch === '\\' && specPath[i + 1] === '/') {
      current += '/';
      i++;
    } else if (ch === '/') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const parsedCache = new Map<readonly string[], FieldSpec[]>();

/** Parses the compact spec strings above (memoised per table). */
export function parseSpecs(table: readonly string[]): FieldSpec[] {
  const cached = parsedCache.get(table);
  if (cached) return cached;
  const parsed = table.map((entry) => {
    const space = entry.indexOf(' ');
    const [group = '', version = '', kind = ''] = entry.slice(0, space).split('/');
    let rawPath = entry.slice(space + 1);
    const create = rawPath.endsWith('!');
    if (create) rawPath = rawPath.slice(0, -1);
    const parts = splitKeepingMarkers(rawPath);
    const path = parts.map((part) => part.replace(/\[\]$/, ''));
    const lists = parts.map((part) => part.endsWith('[]'));
    return { group, version, kind, path, create, ...(lists.includes(true) ? { lists } : {}) };
  });
  parsedCache.set(table, parsed);
  return parsed;
}

/** True when a spec's group/version/kind selects an object's. */
export function specSelects(spec: { group: string; version: string; kind: string }, gvk: { group: string; version: string; kind: string }): boolean {
  return (
    (spec.kind === '' || spec.kind === gvk.kind) && (spec.group === '' || spec.group === gvk.group) && (spec.version === '' || spec.version === gvk.version)
  );
}

/** Kinds kustomize treats as cluster-scoped (no namespace is set on them). */
export const CLUSTER_SCOPED_KINDS = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'StorageClass',
  'SubjectAccessReview',
  'TokenReview',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/**
 * The compact spec string of a field spec written as a map (`group`, `version`, `kind`, `create`),
 * for the path given: how `configurations`, `labels[].fields` and plugin `fieldSpecs` entries join
 * the builtin tables. Each caller decides what an entry without a path means.
 */
export function fieldSpecString(entry: YAMLMap, specPath: string): string {
  const create = getString(entry, ['create']) === 'true' ? '!' : '';
  return `${getString(entry, ['group']) ?? ''}/${getString(entry, ['version']) ?? ''}/${getString(entry, ['kind']) ?? ''} ${specPath}${create}`;
}
