/**
 * One Kubernetes object while it is being rendered: its `yaml` node tree plus the bookkeeping
 * kustomize keeps beside it (where it came from, every name it had, whether its name still needs
 * the generator hash suffix).
 */
import { Pair, Scalar, YAMLMap, YAMLSeq, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { InvalidInputError, describeObject } from '#shared/errors/index.ts';
import { scalarText } from './yaml/go-value.ts';

/** group / version / kind of an object. */
export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Splits `apiVersion` into group and version (`apps/v1` -> apps, v1; `v1` -> '', v1). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** An object being rendered, with the name history name-reference rewriting needs. */
export class Resource {
  private current: YAMLMap;
  private cachedGvk: Gvk | undefined;
  private cachedNamespace: string | undefined;
  /** The file the object was read from (relative to the render root), for error messages. */
  readonly file: string;
  /** Every name the object had, oldest first; references to any of them are rewritten. */
  readonly nameHistory: string[];
  /** Namespace the object had when loaded. */
  readonly originalNamespace: string;
  /** Set for generated ConfigMaps/Secrets whose name gets the content hash at the end. */
  needsHash = false;
  /** Generator behavior, used when an overlay merges into a generated object. */
  generated = false;
  /**
   * Set once a namespace transformer has run over the object, even one that left its namespace as
   * it was: kustomize then records a previous id, which makes the object a target of name-reference
   * rewriting (a RoleBinding subject without a namespace gets the ServiceAccount's).
   */
  namespaceTransformed = false;

  constructor(node: YAMLMap, file: string) {
    this.current = node;
    this.file = file;
    this.nameHistory = [this.name];
    this.originalNamespace = this.namespace;
  }

  /** The object's node tree; replacing it (a patch result) drops cached identity fields. */
  get node(): YAMLMap {
    return this.current;
  }
  set node(node: YAMLMap) {
    this.current = node;
    this.cachedGvk = undefined;
    this.cachedNamespace = undefined;
  }

  get apiVersion(): string {
    return getString(this.node, ['apiVersion']) ?? '';
  }
  get kind(): string {
    return getString(this.node, ['kind']) ?? '';
  }
  get name(): string {
    return getString(this.node, ['metadata', 'name']) ?? '';
  }
  get namespace(): string {
    this.cachedNamespace ??= getString(this.node, ['metadata', 'namespace']) ?? '';
    return this.cachedNamespace;
  }
  /** Cached: kustomize transformers never change apiVersion or kind in place. */
  get gvk(): Gvk {
    this.cachedGvk ??= { ...splitApiVersion(this.apiVersion), kind: this.kind };
    return this.cachedGvk;
  }

  /** Renames the object, remembering the old name for reference rewriting. */
  rename(name: string): void {
    setScalar(this.node, ['metadata', 'name'], name);
    if (this.nameHistory[this.nameHistory.length - 1] !== name) this.nameHistory.push(name);
  }

  setNamespace(namespace: string): void {
    setScalar(this.node, ['metadata', 'namespace'], namespace);
    this.cachedNamespace = namespace;
  }

  /**
   * Identity used for duplicate detection: group, version, kind, namespace and name. The version is
   * part of it, as in kustomize's resource id, so a v1 and a v2 sample of one kind may share a name.
   */
  id(): string {
    const { group, version, kind } = this.gvk;
    // kustomize takes no namespace and `default` for the same one (ResId's effective namespace).
    return `${group}|${version}|${kind}|${this.namespace || 'default'}|${this.name}`;
  }

  describe(): string {
    return describeObject({ apiVersion: this.apiVersion, kind: this.kind, name: this.name, ...(this.namespace ? { namespace: this.namespace } : {}) });
  }

  labels(): Record<string, string> {
    return stringMap(getNode(this.node, ['metadata', 'labels']));
  }
  annotations(): Record<string, string> {
    return stringMap(getNode(this.node, ['metadata', 'annotations']));
  }
}

function stringMap(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(node)) return out;
  for (const pair of node.items) {
    if (isScalar(pair.key) && isScalar(pair.value)) out[scalarText(pair.key) ?? ''] = pair.value.value === null ? '' : (scalarText(pair.value) ?? '');
  }
  return out;
}

/** The value node under `key` in a map, or undefined. */
export function mapGet(map: YAMLMap, key: string): YamlNode | undefined {
  for (const pair of map.items) {
    if (isScalar(pair.key) ? scalarText(pair.key) === key : pair.key === key) return (pair.value ?? undefined) as YamlNode | undefined;
  }
  return undefined;
}

/** Sets `key` in a map, replacing an existing value in place (keeping key order) or appending. */
export function mapSet(map: YAMLMap, key: string, value: YamlNode): void {
  for (const pair of map.items) {
    if (isScalar(pair.key) ? (scalarText(pair.key) ?? '') === key : pair.key === key) {
      pair.value = value;
      return;
    }
  }
  map.items.push(new Pair(new Scalar(key), value) as (typeof map.items)[number]);
}

/** Removes `key` from a map. */
export function mapDelete(map: YAMLMap, key: string): void {
  const index = map.items.findIndex((pair) => (isScalar(pair.key) ? (scalarText(pair.key) ?? '') === key : pair.key === key));
  if (index >= 0) map.items.splice(index, 1);
}

/** The node at a path of map keys, or undefined. */
export function getNode(root: YamlNode | undefined, path: readonly string[]): YamlNode | undefined {
  let node: YamlNode | undefined = root;
  for (const key of path) {
    if (!isMap(node)) return undefined;
    node = mapGet(node, key);
  }
  return node;
}

/** A scalar's text at a path, or undefined when missing or not a scalar. */
export function getString(root: YamlNode | undefined, path: readonly string[]): string | undefined {
  const node = getNode(root, path);
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return scalarText(node);
}

/** The map at a path, created (with the missing parents) when absent. */
export function ensureMap(root: YAMLMap, path: readonly string[]): YAMLMap {
  let node = root;
  for (const key of path) {
    const existing = mapGet(node, key);
    if (isMap(existing)) node = existing;
    else {
      const created = new YAMLMap();
      mapSet(node, key, created);
      node = created;
    }
  }
  return node;
}

/** Sets a string scalar at a path, creating parent maps; quoted so it stays a string. */
export function setScalar(root: YAMLMap, path: readonly string[], value: string): void {
  const parent = ensureMap(root, path.slice(0, -1));
  mapSet(parent, path[path.length - 1] as string, stringScalar(value));
}

/** A scalar node that is always read back as a string. */
export function stringScalar(value: string): Scalar {
  const scalar = new Scalar(value);
  scalar.type = 'QUOTE_DOUBLE';
  return scalar;
}

/** A plain (untyped) scalar: read back as a number/bool when it looks like one, as YAML would. */
export function plainScalar(text: string): Scalar {
  const scalar = new Scalar(text);
  scalar.type = 'PLAIN';
  return scalar;
}

/**
 * Deep copy of a node tree (aliases must already be resolved). Copies what rendering reads — values,
 * scalar style, source text and tags — and is several times faster than the `yaml` package's
 * `clone()`, which matters because every base included by several overlays is copied per use.
 */
export function cloneNode<T extends YamlNode>(node: T): T {
  return copyNode(node) as T;
}

function copyNode(node: unknown): unknown {
  if (isScalar(node)) {
    const copy = new Scalar(node.value);
    if (node.type !== undefined) copy.type = node.type;
    if (node.tag !== undefined) copy.tag = node.tag;
    const source = (node as { source?: unknown }).source;
    if (source !== undefined) (copy as { source?: unknown }).source = source;
    return copy;
  }
  if (isMap(node)) {
    const copy = new YAMLMap();
    if (node.tag !== undefined) copy.tag = node.tag;
    if (node.flow) copy.flow = true;
    for (const pair of node.items) copy.items.push(new Pair(copyNode(pair.key), copyNode(pair.value)));
    return copy;
  }
  if (isSeq(node)) {
    const copy = new YAMLSeq();
    if (node.tag !== undefined) copy.tag = node.tag;
    if (node.flow) copy.flow = true;
    for (const item of node.items) copy.items.push(copyNode(item));
    return copy;
  }
  return node;
}

export { isMap, isScalar, isSeq, YAMLMap, YAMLSeq, Scalar };

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
