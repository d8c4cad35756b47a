/**
 * Taking over fields that `kubectl` wrote, as Flux does before it applies: the `managedFields`
 * entries of every `kubectl` manager (`kubectl apply` client-side and `--server-side`, and also
 * `kubectl edit`, `kubectl label`, `kubectl annotate`, `kubectl rollout restart` …) and of
 * `before-first-apply` are merged into Tideline's own Apply entry, and kubectl's last-applied
 * annotation is dropped. The apply that follows then owns those fields — a field someone added by
 * hand and Git does not hold is removed, instead of staying behind forever under another manager.
 * The entries of Flux's own `kustomize-controller` are taken over the same way, so a fleet moved
 * from Flux to Tideline sheds what Flux applied and Git no longer holds. Objects annotated
 * `kustomize.toolkit.fluxcd.io/ssa: Merge` keep other managers' fields.
 */
import type { KubeObject, ManagedFieldsEntry } from './objects.ts';
import { SSA_ANNOTATION } from './objects.ts';

/**
 * Managers whose fields are taken over: a name prefix and an operation, as Flux's
 * kustomize-controller matches them (`kubectl` covers `kubectl-client-side-apply`, `kubectl-edit` …).
 */
const TAKEN_OVER: readonly { prefix: string; operation: string }[] = [
  { prefix: 'kubectl', operation: 'Apply' },
  { prefix: 'kubectl', operation: 'Update' },
  { prefix: 'before-first-apply', operation: 'Update' },
  { prefix: 'kustomize-controller', operation: 'Apply' },
  { prefix: 'kustomize-controller', operation: 'Update' },
];
/** The annotation in which client-side `kubectl apply` keeps a copy of what it applied. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** False for an object annotated `ssa: Merge`, whose fields written by others stay theirs. */
export function takesOverKubectlFields(desired: KubeObject): boolean {
  return desired.metadata.annotations?.[SSA_ANNOTATION] !== 'Merge';
}

/** True for a `managedFields` entry whose fields {@link takeoverPatch} hands to Tideline. */
export function isTakenOver(entry: ManagedFieldsEntry): boolean {
  return !entry.subresource && TAKEN_OVER.some((t) => (entry.manager ?? '').startsWith(t.prefix) && t.operation === entry.operation);
}

type FieldSet = Record<string, unknown>;

/** Union of two fieldsV1 sets. */
function mergeFields(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] =
      existing && typeof existing === 'object' && value && typeof value === 'object'
        ? mergeFields(existing as FieldSet, value as FieldSet)
        : (existing ?? value);
  }
  return out;
}

/**
 * The JSON patch that hands the fields of kubectl's managers to `manager` and drops kubectl's
 * last-applied annotation; undefined when there is nothing to take over (or the desired object is
 * annotated `ssa: Merge`). Guarded by the live object's resourceVersion, so a concurrent change
 * makes it fail instead of clobbering newer managedFields.
 */
export function takeoverPatch(desired: KubeObject, live: KubeObject, manager: string): unknown[] | undefined {
  if (!takesOverKubectlFields(desired)) return undefined;
  const entries = live.metadata.managedFields ?? [];
  const taken = isTakenOver;
  const lastApplied = live.metadata.annotations?.[LAST_APPLIED] !== undefined;
  if (!entries.some(taken) && !lastApplied) return undefined;
  const ops: unknown[] = [{ op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion }];
  if (entries.some(taken)) {
    let fields: FieldSet = {};
    for (const entry of entries.filter(taken)) fields = mergeFields(fields, entry.fieldsV1 ?? {});
    const kept = structuredClone(entries.filter((e) => !taken(e)));
    const own = kept.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
    if (own) own.fieldsV1 = mergeFields(own.fieldsV1 ?? {}, fields);
    else kept.push({ manager, operation: 'Apply', apiVersion: live.apiVersion, fieldsType: 'FieldsV1', fieldsV1: fields });
    ops.push({ op: 'replace', path: '/metadata/managedFields', value: kept });
  }
  if (lastApplied) ops.push({ op: 'remove', path: `/metadata/annotations/${LAST_APPLIED.replace(/~/g, '~0').replace(/\//g, '~1')}` });
  return ops;
}
