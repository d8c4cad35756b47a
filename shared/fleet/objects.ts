/**
 * The vocabulary of the fleet tree: keys of Flux objects, which API groups are Flux's, how Flux's
 * own controllers (`gotk-components.yaml`) are recognised, and the envelope a GitRepository is
 * kept in.
 *
 * A rendered bundle mixes three things: Flux objects (Tideline's configuration), Flux's own
 * controllers (never applied: Tideline runs outside the cluster) and the workload. Everything here
 * is pure and works on plain JSON objects, so the snapshot stays serialisable.
 */
import * as z from '#shared/zod.ts';
import type { SourceRef } from '#shared/ports/index.ts';
import { groupOf, type KubeObject } from '#shared/kube/objects.ts';
import { FluxMetadataSchema, parseWithSchema } from '#shared/config/flux-object.ts';

/** `<namespace>/<name>`: how a Kustomization (or any namespaced Flux object of a known kind) is named in one cluster. */
export type FleetKey = string;

/** `<Kind>/<namespace>/<name>`: a Flux object of any kind in one cluster, as reports name it. */
export type FleetObjectId = string;

/** The Flux kinds Tideline reads as configuration, by the API group they must come from. */
const CONFIG_KINDS_BY_GROUP = {
  'kustomize.toolkit.fluxcd.io': ['Kustomization'],
  'source.toolkit.fluxcd.io': ['GitRepository'],
  'notification.toolkit.fluxcd.io': ['Alert', 'Provider', 'Receiver'],
} as const;
type ConfigGroup = keyof typeof CONFIG_KINDS_BY_GROUP;
export type ConfigKind = (typeof CONFIG_KINDS_BY_GROUP)[ConfigGroup][number];

/** Namespace Flux gives an object that names none (as the parsers in shared/config/ default it). */
export const DEFAULT_FLUX_NAMESPACE = 'flux-system';

/** `<namespace>/<name>` of an object's metadata. */
export function keyOf(object: { metadata: { name: string; namespace?: string } }): FleetKey {
  return `${object.metadata.namespace ?? DEFAULT_FLUX_NAMESPACE}/${object.metadata.name}`;
}

/** `<Kind>/<namespace>/<name>`. */
export function objectIdOf(kind: string, key: FleetKey): FleetObjectId {
  return `${kind}/${key}`;
}

/** `<namespace>/<name>` of a source key. */
export function sourceKeyString(source: SourceRef): FleetKey {
  return `${source.namespace}/${source.name}`;
}

/** Splits `<namespace>/<name>`. */
export function splitKey(key: FleetKey): { namespace: string; name: string } {
  const at = key.indexOf('/');
  return { namespace: key.slice(0, at), name: key.slice(at + 1) };
}

/**
 * True for an API group of Flux: `*.toolkit.fluxcd.io`, `*.extensions.fluxcd.io` (ArtifactGenerator)
 * and the Flux Operator's `fluxcd.controlplane.io`. None of their kinds can be applied to a cluster
 * Tideline manages: it has no Flux CRDs.
 */
export function isFluxGroup(group: string): boolean {
  return group.endsWith('.fluxcd.io') || group === 'fluxcd.controlplane.io';
}

/** The configuration kind of an object, or undefined when it is not one Tideline reads (wrong kind or group). */
export function configKindOf(object: { apiVersion: string; kind: string }): ConfigKind | undefined {
  const group = groupOf(object.apiVersion);
  const kinds: readonly string[] = Object.hasOwn(CONFIG_KINDS_BY_GROUP, group) ? CONFIG_KINDS_BY_GROUP[group as ConfigGroup] : [];
  return kinds.includes(object.kind) ? (object.kind as ConfigKind) : undefined;
}

/** Labels every object of Flux's own installation carries (fluxcd/flux2 `pkg/manifestgen/labels.go`). */
export const FLUX_PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const FLUX_INSTANCE_LABEL = 'app.kubernetes.io/instance';

/**
 * True for an object of Flux's own installation (`flux-system/gotk-components.yaml`, `flux install`):
 * its namespace, CRDs, controllers' Deployments, Services, ServiceAccounts, RBAC, NetworkPolicies
 * and ResourceQuota. Flux's install labels every one of them `app.kubernetes.io/part-of: flux` and
 * `app.kubernetes.io/instance: <namespace>`; a CRD of a Flux API group counts even without labels
 * (a trimmed or hand-written copy of the CRDs).
 */
export function isFluxComponent(object: KubeObject): boolean {
  const labels = object.metadata.labels ?? {};
  if (labels[FLUX_PART_OF_LABEL] === 'flux' && typeof labels[FLUX_INSTANCE_LABEL] === 'string') return true;
  if (object.kind === 'CustomResourceDefinition' && groupOf(object.apiVersion) === 'apiextensions.k8s.io') {
    const group = (object as { spec?: { group?: unknown } }).spec?.group;
    return typeof group === 'string' && isFluxGroup(group);
  }
  return false;
}

export const GIT_REPOSITORY_API_VERSIONS = ['source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2'] as const;

const GitRepositoryEnvelopeSchema = z.object({
  apiVersion: z.enum(GIT_REPOSITORY_API_VERSIONS),
  kind: z.literal('GitRepository'),
  metadata: FluxMetadataSchema,
  spec: z.looseObject({ url: z.string().check(z.minLength(1)) }),
});

/**
 * A Flux GitRepository as the fleet tree keeps it: identity and the spec as written. The tree
 * only needs to know which repository a Kustomization follows; the Git engine parses the spec
 * (`parseGitRepository` in shared/config/) when it fetches.
 */
export interface FleetGitRepository {
  apiVersion: (typeof GIT_REPOSITORY_API_VERSIONS)[number];
  kind: 'GitRepository';
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown> & { url: string };
}

/**
 * Validates a GitRepository's envelope (API version, name, a `spec.url`); namespace defaults to
 * flux-system as in the other parsers. Throws InvalidInputError naming the object and file.
 */
export function parseGitRepositoryEnvelope(value: unknown, file = '<inline>'): FleetGitRepository {
  return parseWithSchema(GitRepositoryEnvelopeSchema, 'GitRepository', value, file) as FleetGitRepository;
}

/** Sorted-key JSON: two specs that differ only in key order compare equal. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}
