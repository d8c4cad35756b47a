/**
 * kustomize's name-reference transformer: references to objects whose name (or namespace)
 * changed are rewritten, following its builtin `nameReference` configuration and any from
 * `configurations` files.
 */
import { type YAMLMap, isMap, isScalar, isSeq } from 'yaml';
import { CLUSTER_SCOPED_KINDS, specSelects, splitSpecPath } from '../field-specs.ts';
import { NAME_REFERENCE_SPECS } from '../name-reference-specs.ts';
import { type Resource, getString, mapGet, mapSet, stringScalar } from '../resource.ts';
import { walkSpec } from './spec-fields.ts';

interface ReferrerSpec {
  group: string;
  version: string;
  kind: string;
  path: string[];
}

/** Where references to one kind of object are found (a kustomize `nameReference` entry). */
export interface TargetRule {
  group: string;
  version: string;
  kind: string;
  referrers: ReferrerSpec[];
}

let nameReferenceRules: TargetRule[] | undefined;

function loadNameReferenceRules(): TargetRule[] {
  nameReferenceRules ??= NAME_REFERENCE_SPECS.map(([target, specs]) => {
    const parts = target.split('/');
    const kind = parts.pop() ?? '';
    const version = parts.pop() ?? '';
    const group = parts.join('/');
    return {
      group,
      version,
      kind,
      referrers: specs.map((spec) => {
        const space = spec.indexOf(' ');
        const [g = '', v = '', k = ''] = spec.slice(0, space).split('/');
        return { group: g, version: v, kind: k, path: splitSpecPath(spec.slice(space + 1)) };
      }),
    };
  });
  return nameReferenceRules;
}

function prefixSuffixOf(resource: Resource): string {
  // The affixes an object collected: everything its current name adds around its original name.
  const original = resource.nameHistory[0] ?? '';
  const current = resource.name;
  const at = current.indexOf(original);
  return at < 0 ? '' : `${current.slice(0, at)}|${current.slice(at + original.length)}`;
}

/**
 * Whether a namespaced referrer may name `candidate`, as kustomize's name-reference filter decides:
 * only objects in its own namespace (unset and `default` being the same), cluster-scoped objects and
 * ServiceAccounts (a RoleBinding may bind one from another namespace). A generated ConfigMap without
 * a namespace is therefore not the one a Deployment in `ns1` names, and that reference stays as written.
 */
function visibleFrom(candidate: Resource, referrer: Resource): boolean {
  if (CLUSTER_SCOPED_KINDS.has(referrer.kind) || CLUSTER_SCOPED_KINDS.has(candidate.kind) || candidate.kind === 'ServiceAccount') return true;
  return (candidate.namespace || 'default') === (referrer.namespace || 'default');
}

function pickTarget(candidates: Resource[], referrer: Resource, targetKind: string): Resource | undefined {
  if (candidates.length <= 1) return candidates[0];
  let narrowed = candidates;
  if (!CLUSTER_SCOPED_KINDS.has(targetKind)) {
    const sameNs = narrowed.filter((c) => c.namespace === referrer.namespace);
    if (sameNs.length > 0) narrowed = sameNs;
  }
  if (narrowed.length > 1) {
    const affix = prefixSuffixOf(referrer);
    const sameAffix = narrowed.filter((c) => prefixSuffixOf(c).replace(/-[a-z0-9]{10}$/, '') === affix || prefixSuffixOf(c) === affix);
    if (sameAffix.length > 0) narrowed = sameAffix;
  }
  return narrowed.length === 1 ? narrowed[0] : undefined;
}

/**
 * Rewrites references (volumes, env, RBAC, Ingress backends, HPA targets …) to objects whose names
 * changed, following kustomize's builtin name-reference configuration.
 */
export function fixNameReferences(resources: readonly Resource[], extraRules: readonly TargetRule[] = []): void {
  const rules = extraRules.length > 0 ? [...loadNameReferenceRules(), ...extraRules] : loadNameReferenceRules();
  const changed = resources.filter((r) => r.nameHistory.length > 1 || r.namespace !== r.originalNamespace || r.namespaceTransformed);
  if (changed.length === 0) return;
  for (const rule of rules) {
    const targets = changed.filter((r) => specSelects(rule, r.gvk));
    if (targets.length === 0) continue;
    const byOldName = new Map<string, Resource[]>();
    for (const target of targets) {
      for (const old of new Set(target.nameHistory)) {
        const list = byOldName.get(old) ?? [];
        list.push(target);
        byOldName.set(old, list);
      }
    }
    const resolve = (name: string, referrer: Resource, namespace?: string): Resource | undefined => {
      let candidates = byOldName.get(name)?.filter((c) => visibleFrom(c, referrer));
      if (!candidates || candidates.length === 0) return undefined;
      if (namespace !== undefined) {
        const inNamespace = candidates.filter(
          (c) => c.originalNamespace === namespace || c.namespace === namespace || (namespace === 'default' && c.originalNamespace === ''),
        );
        if (inNamespace.length === 0) return undefined;
        candidates = inNamespace;
      }
      return pickTarget(candidates, referrer, rule.kind);
    };
    for (const referrer of resources) {
      for (const spec of rule.referrers) {
        if (!specSelects(spec, referrer.gvk)) continue;
        const isRoleRef = spec.path.length === 2 && spec.path[0] === 'roleRef';
        walkSpec(referrer.node, spec.path, false, (parent, key) => {
          if (isRoleRef && getString(parent, ['kind']) !== rule.kind) return;
          const value = mapGet(parent, key);
          if (isScalar(value) && typeof value.value === 'string') {
            const target = resolve(value.value, referrer);
            if (target && target.name !== value.value) mapSet(parent, key, stringScalar(target.name));
          } else if (isSeq(value)) {
            for (let i = 0; i < value.items.length; i++) {
              const item = value.items[i];
              if (isScalar(item) && typeof item.value === 'string') {
                const target = resolve(item.value, referrer);
                if (target && target.name !== item.value) value.items[i] = stringScalar(target.name);
              } else if (isMap(item)) {
                fixObjectRef(item, rule.kind, referrer, resolve);
              }
            }
          } else if (isMap(value)) {
            fixObjectRef(value, rule.kind, referrer, resolve);
          }
        });
      }
    }
  }
}

function fixObjectRef(
  ref: YAMLMap,
  targetKind: string,
  referrer: Resource,
  resolve: (name: string, referrer: Resource, namespace?: string) => Resource | undefined,
): void {
  // kustomize matches object references by name and namespace only: a `User` subject named like a
  // renamed ServiceAccount is rewritten too.
  void targetKind;
  const name = getString(ref, ['name']);
  if (name === undefined) return;
  const target = resolve(name, referrer, getString(ref, ['namespace']));
  if (!target) return;
  if (target.name !== name) mapSet(ref, 'name', stringScalar(target.name));
  if (target.namespace && getString(ref, ['namespace']) !== target.namespace) mapSet(ref, 'namespace', stringScalar(target.namespace));
}
