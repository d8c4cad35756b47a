/**
 * Kubernetes objects as the apply engine sees them: plain JSON documents with an identity.
 *
 * Identity follows Flux's inventory convention `<namespace>_<name>_<group>_<kind>` so an
 * inventory written by Tideline reads like one written by kustomize-controller.
 */
import type { ObjectRef } from '#shared/errors/index.ts';

/** Label naming the Kustomization that applied an object (its name). */
export const OWNER_NAME_LABEL = 'tideline.dev/name';
/** Label naming the Kustomization that applied an object (its namespace). */
export const OWNER_NAMESPACE_LABEL = 'tideline.dev/namespace';
/** Flux's annotation that keeps an object out of prune. */
export const PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
/** Flux's annotation that lets one object be recreated when an immutable field changes. */
export const FORCE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/force';
/** Flux's per-object apply policy annotation (`Ignore`, `IfNotPresent`). */
export const SSA_ANNOTATION = 'kustomize.toolkit.fluxcd.io/ssa';
/** Flux's annotation that takes one object out of reconciliation (`disabled`). */
export const RECONCILE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/reconcile';

/**
 * The Flux marker (label or annotation, as Flux matches either) that keeps Tideline's hands off an
 * object — `kustomize.toolkit.fluxcd.io/ssa: Ignore` or `kustomize.toolkit.fluxcd.io/reconcile:
 * disabled` — described for a Skipped message; undefined when there is none.
 */
export function handsOffMarker(object: KubeObject | undefined): string | undefined {
  if (!object) return undefined;
  for (const meta of [object.metadata.annotations, object.metadata.labels]) {
    if (meta?.[SSA_ANNOTATION] === 'Ignore') return `${SSA_ANNOTATION}: Ignore`;
    if (meta?.[RECONCILE_ANNOTATION] === 'disabled') return `${RECONCILE_ANNOTATION}: disabled`;
  }
  return undefined;
}

/** Field manager of every write Tideline makes. */
export const FIELD_MANAGER = 'tideline';

/** Object metadata, the few fields the engine reads. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  deletionTimestamp?: string;
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/** One entry of `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** The Kustomization (Flux object) on whose behalf objects are applied. */
export interface OwnerRef {
  name: string;
  namespace: string;
}

/** API group of an apiVersion (`apps/v1` → `apps`, `v1` → ``). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Version of an apiVersion (`apps/v1` → `v1`). */
export function versionOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/** The identity of an object for error messages and change sets. */
export function refOf(object: KubeObject): ObjectRef & { apiVersion: string } {
  const ref: ObjectRef & { apiVersion: string } = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

/**
 * Flux-style inventory id `<namespace>_<name>_<group>_<kind>` (namespace empty for cluster-scoped
 * objects); the version is kept beside it because it may change without the object changing.
 */
export function objectId(ref: { apiVersion: string; kind: string; name: string; namespace?: string }): string {
  return `${ref.namespace ?? ''}_${ref.name}_${groupOf(ref.apiVersion)}_${ref.kind}`;
}

/** Parses an inventory id back into its parts; undefined when it is not one. */
export function parseObjectId(id: string): { namespace: string; name: string; group: string; kind: string } | undefined {
  // Names never contain `_`, kinds never do, groups never do: splitting on `_` is unambiguous.
  const parts = id.split('_');
  if (parts.length !== 4) return undefined;
  const [namespace, name, group, kind] = parts as [string, string, string, string];
  if (!name || !kind) return undefined;
  return { namespace, name, group, kind };
}

/** True for CustomResourceDefinitions. */
export function isCrd(object: { apiVersion: string; kind: string }): boolean {
  return object.kind === 'CustomResourceDefinition' && groupOf(object.apiVersion) === 'apiextensions.k8s.io';
}

/** True for Namespaces. */
export function isNamespace(object: { apiVersion: string; kind: string }): boolean {
  return object.kind === 'Namespace' && groupOf(object.apiVersion) === '';
}

/** True for Secrets (whose data must never be printed). */
export function isSecret(object: { apiVersion: string; kind: string }): boolean {
  return object.kind === 'Secret' && groupOf(object.apiVersion) === '';
}

/** True for a JSON object (a map), not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep copy of a JSON value. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/** True when `object` carries ownership labels naming `owner`. */
export function isOwnedBy(object: KubeObject, owner: OwnerRef): boolean {
  const labels = object.metadata.labels ?? {};
  return labels[OWNER_NAME_LABEL] === owner.name && labels[OWNER_NAMESPACE_LABEL] === owner.namespace;
}

/** The label selector matching every object applied for `owner`. */
export function ownerSelector(owner: OwnerRef): string {
  return `${OWNER_NAME_LABEL}=${owner.name},${OWNER_NAMESPACE_LABEL}=${owner.namespace}`;
}

/**
 * The Kustomization itself as an object reference, so that errors about the reconcile as a whole
 * (stale revision, empty bundle) name it: `Kustomization.kustomize.toolkit.fluxcd.io apps in ns flux-system`.
 */
export function kustomizationRef(owner: OwnerRef): { apiVersion: string; kind: string; name: string; namespace: string } {
  return { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', name: owner.name, namespace: owner.namespace };
}
