/**
 * kustomize's builtin transformers over Tideline's resource list: namespace, name prefix/suffix,
 * labels, annotations, images, replicas, the generator name hash, name-reference rewriting and
 * the final sort. Each follows kustomize v5's rules so the output is byte-identical.
 */
import { createHash } from 'node:crypto';
import { Scalar, YAMLMap, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { scalarText } from './yaml/go-value.ts';
import { CLUSTER_SCOPED_KINDS, parseSpecs, specSelects, splitSpecPath, type FieldSpec } from './field-specs.ts';
import { NAME_REFERENCE_SPECS } from './name-reference-specs.ts';
import { type Resource, getNode, getString, mapGet, mapSet, stringScalar } from './resource.ts';
import { toGoValue, type GoValue } from './yaml/go-value.ts';

/**
 * Calls `visit(parent, key)` for every place a field spec's path ends in this node tree. With
 * `create`, missing maps on the way are added, but not a segment `lists` marks as a list.
 */
function walkSpec(
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
          existing.tag = undefined;
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

/** Sets a string at every field the (configured) specs select (created only where a spec says so). */
export function setStringAt(resource: Resource, table: readonly string[], value: (current: string) => string): void {
  forEachSpecField(resource, parseSpecs(table), (parent, key, spec) => {
    const current = mapGet(parent, key);
    if ((current === undefined && !spec.create) || (current !== undefined && !isScalar(current))) return;
    mapSet(parent, key, stringScalar(value(current === undefined || current.value === null ? '' : (scalarText(current) ?? ''))));
  });
}

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

const PREFIX_SKIP = (r: Resource): boolean =>
  r.kind === 'CustomResourceDefinition' || r.kind === 'Namespace' || (r.kind === 'APIService' && r.gvk.group === 'apiregistration.k8s.io');

/**
 * `namePrefix` / `nameSuffix`. `extra` holds fields from `namePrefix`/`nameSuffix` configurations,
 * which get the prefix (or suffix) too; they are not names, so no reference follows them.
 */
export function addNameAffixes(resources: readonly Resource[], prefix: string, suffix: string, extra: { prefix?: readonly string[]; suffix?: readonly string[] } = {}): void {
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
      const current = mapGet(parent, key);
      if ((current === undefined && !spec.create) || (current !== undefined && !isScalar(current))) return;
      const value = current === undefined || current.value === null ? '' : (scalarText(current) ?? '');
      mapSet(parent, key, stringScalar(`${prefix}${value}${suffix}`));
    });
  }
}

/** An `images:` entry. */
export interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  tagSuffix?: string;
}

function splitImage(image: string): { name: string; tag: string; digest: string } {
  let name = image;
  let digest = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
  }
  let tag = '';
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  return { name, tag, digest };
}

function updateImage(value: string, rule: ImageRule): string | undefined {
  const parts = splitImage(value);
  if (parts.name !== rule.name) return undefined;
  let name = rule.newName ?? parts.name;
  let suffix = parts.tag ? `:${parts.tag}` : '';
  if (parts.digest) suffix += `@${parts.digest}`;
  if (rule.newTag !== undefined) suffix = `:${rule.newTag}`;
  if (rule.digest !== undefined) suffix = `@${rule.digest}`;
  if (rule.newTag !== undefined && rule.digest !== undefined) suffix = `:${rule.newTag}@${rule.digest}`;
  // A tag suffix extends the tag (and drops a digest) only when neither a new tag nor a digest is set.
  if (rule.tagSuffix !== undefined && rule.tagSuffix !== '' && rule.newTag === undefined && rule.digest === undefined) suffix = `:${parts.tag}${rule.tagSuffix}`;
  if (rule.newName === undefined) name = parts.name;
  return name + suffix;
}

/**
 * Applies the rules in order, each to the result of the previous ones, as kustomize's passes do.
 * `twice`: the field is reached by both of kustomize's passes per image (its walk of every
 * containers list, then its builtin field specs), so each rule runs twice in a row there, which only
 * shows with `tagSuffix` (appended twice, exactly as kustomize prints it).
 */
function applyImageAt(parent: YAMLMap, key: string, rules: readonly ImageRule[], twice = false): void {
  const node = mapGet(parent, key);
  if (!isScalar(node) || typeof node.value !== 'string') return;
  let value = node.value;
  for (const rule of rules) {
    value = updateImage(value, rule) ?? value;
    if (twice) value = updateImage(value, rule) ?? value;
  }
  if (value !== node.value) mapSet(parent, key, stringScalar(value));
}

/** Container lists kustomize's builtin image field specs reach (below the object root). */
const BUILTIN_CONTAINER_PATHS = new Set(['spec', 'spec/template/spec']);

function walkContainers(node: YamlNode | undefined, rules: readonly ImageRule[], builtinSpecs: boolean, at: string): void {
  if (isSeq(node)) {
    for (const item of node.items) if (isMap(item) || isSeq(item)) walkContainers(item as YamlNode, rules, builtinSpecs, '[]');
    return;
  }
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const value = pair.value;
    if (!isMap(value) && !isSeq(value)) continue;
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    walkContainers(value as YamlNode, rules, builtinSpecs, at === '' ? String(key) : `${at}/${String(key)}`);
    if ((key === 'containers' || key === 'initContainers') && isSeq(value)) {
      const twice = builtinSpecs && BUILTIN_CONTAINER_PATHS.has(at);
      for (const container of value.items) if (isMap(container)) applyImageAt(container, 'image', rules, twice);
    }
  }
}

/**
 * `images:` — containers/initContainers anywhere in an object, plus image volumes and configured
 * fields. `builtinSpecs` says kustomize's builtin image field specs apply too (the kustomization's
 * `images`, not an ImageTagTransformer given its own).
 */
export function setImages(resources: readonly Resource[], rules: readonly ImageRule[], extraSpecs: readonly string[] = [], builtinSpecs = true): void {
  if (rules.length === 0) return;
  const extra = extraSpecs.length > 0 ? parseSpecs(extraSpecs) : [];
  for (const resource of resources) {
    if (extra.length > 0) forEachSpecField(resource, extra, (parent, key) => applyImageAt(parent, key, rules));
    if (resource.kind === 'CustomResourceDefinition') continue;
    walkContainers(resource.node, rules, builtinSpecs, '');
    for (const base of [getNode(resource.node, ['spec']), getNode(resource.node, ['spec', 'template', 'spec'])]) {
      const volumes = isMap(base) ? mapGet(base, 'volumes') : undefined;
      if (isSeq(volumes)) {
        for (const volume of volumes.items) {
          const image = isMap(volume) ? mapGet(volume, 'image') : undefined;
          if (isMap(image)) applyImageAt(image, 'reference', rules);
        }
      }
    }
  }
}

/** `replicas:` — sets spec.replicas of the named workloads. */
export function setReplicas(resources: readonly Resource[], rules: readonly { name: string; count: number }[], extraSpecs: readonly string[] = [], withDefaults = true, file = ''): void {
  const defaults = withDefaults ? ['//Deployment spec/replicas!', '//ReplicationController spec/replicas!', '//ReplicaSet spec/replicas!', '//StatefulSet spec/replicas!'] : [];
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

/** A plain (untyped) scalar: read back as a number/bool when it looks like one, as YAML would. */
export function plainScalar(text: string): Scalar {
  const scalar = new Scalar(text);
  scalar.type = 'PLAIN';
  return scalar;
}

/** Go `encoding/json` string escaping (HTML-safe, as `json.Marshal` writes it). */
function goJsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function goJson(value: GoValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return goJsonString(value);
  if (Array.isArray(value)) return '[' + value.map(goJson).join(',') + ']';
  if (value instanceof Map) {
    const keys = [...value.keys()].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    return '{' + keys.map((k) => goJsonString(k) + ':' + goJson(value.get(k) as GoValue)).join(',') + '}';
  }
  return value.text;
}

function encodeHash(json: string): string {
  const hex = createHash('sha256').update(json).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (c) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[c] as string);
}

function hashField(resource: Resource, path: string[]): GoValue {
  const node = getNode(resource.node, path);
  if (node === undefined) return '';
  if (isScalar(node)) return node.value === null || node.value === undefined ? '' : (scalarText(node) ?? '');
  return toGoValue(node);
}

/** The hash suffix kustomize appends to generated ConfigMap/Secret names. */
export function generatorHash(resource: Resource): string {
  const fields = new Map<string, GoValue>();
  if (resource.kind === 'ConfigMap') {
    fields.set('kind', 'ConfigMap');
    // kustomize looks the name up with a path it never splits, so the name is always empty.
    fields.set('name', '');
    fields.set('data', hashField(resource, ['data']));
    const binary = hashField(resource, ['binaryData']);
    if (binary instanceof Map) fields.set('binaryData', binary);
  } else if (resource.kind === 'Secret') {
    fields.set('kind', 'Secret');
    fields.set('type', hashField(resource, ['type']));
    // kustomize looks the name up with a path it never splits, so the name is always empty.
    fields.set('name', '');
    fields.set('data', hashField(resource, ['data']));
    const stringData = hashField(resource, ['stringData']);
    if (stringData instanceof Map) fields.set('stringData', stringData);
  } else {
    fields.set('object', toGoValue(resource.node));
  }
  return encodeHash(goJson(fields));
}

/** Appends the content hash to every generated object that asked for it. */
export function addHashSuffixes(resources: readonly Resource[]): void {
  for (const resource of resources) {
    if (!resource.needsHash) continue;
    resource.rename(`${resource.name}-${generatorHash(resource)}`);
    resource.needsHash = false;
  }
}

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
        const inNamespace = candidates.filter((c) => c.originalNamespace === namespace || c.namespace === namespace || (namespace === 'default' && c.originalNamespace === ''));
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

function fixObjectRef(ref: YAMLMap, targetKind: string, referrer: Resource, resolve: (name: string, referrer: Resource, namespace?: string) => Resource | undefined): void {
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

const ORDER_FIRST = [
  'Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy',
  'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Endpoints', 'Service',
  'LimitRange', 'PriorityClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'StatefulSet',
  'CronJob', 'PodDisruptionBudget',
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
      idKey: [[gvk.kind || '[noKind]', gvk.version || '[noVer]', gvk.group || '[noGrp]'].join('.'), resource.namespace || '~X', resource.name || '~N'].join('|'),
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

/** Refuses two objects with the same identity. */
export function assertUniqueIds(resources: readonly Resource[], where: string): void {
  const seen = new Map<string, Resource>();
  for (const resource of resources) {
    const id = resource.id();
    const previous = seen.get(id);
    if (previous) {
      throw new InvalidInputError(`duplicate object ${resource.describe()} (also in ${previous.file})`, { source: { file: resource.file || where } });
    }
    seen.set(id, resource);
  }
}
