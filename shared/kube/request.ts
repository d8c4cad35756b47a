/**
 * What a reconcile is asked to do ({@link ReconcileRequest}), how a Flux Kustomization becomes one,
 * and as whom its writes are made.
 */
import type { ObjectRef } from '#shared/errors/index.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { durationToMs } from '#shared/config/duration.ts';
import type { Clock } from '#shared/ports/index.ts';
import type { KubeApi } from './api.ts';
import type { HealthCheckRules } from './health-exprs.ts';
import { compileHealthCheckExprs } from './health-exprs.ts';
import type { IgnoreRules } from './ignore.ts';
import { compileIgnoreRules } from './ignore.ts';
import type { KubeObject, OwnerRef } from './objects.ts';

/** What to reconcile, and how. */
export interface ReconcileRequest {
  /** The Kustomization on whose behalf objects are applied (ownership labels, inventory name). */
  owner: OwnerRef;
  /** The rendered bundle. */
  objects: readonly KubeObject[];
  /** Source revision (`main@sha1:<sha>`). */
  revision: string;
  /** Ordering signal of the revision (commit time in ms); older than the inventory's → refused. */
  order?: number;
  /** Digest of the bundle, recorded in the inventory. */
  digest?: string;
  /** Namespace for namespaced objects that have none. */
  targetNamespace?: string;
  /** Delete objects of the previous inventory that the bundle no longer holds. */
  prune?: boolean;
  /** Recreate objects whose immutable fields changed (Flux `spec.force`). */
  force?: boolean;
  /** Take over fields owned by other field managers (default true, as Flux). */
  forceConflicts?: boolean;
  /**
   * Validate every changed object with a server-side dry-run before applying any (default true).
   * `false` trades that all-or-nothing guarantee for half the requests on a first apply: objects
   * are applied directly and the first invalid one stops the run (nothing is pruned then).
   */
  validate?: boolean;
  /** Allow an empty bundle to prune a non-empty inventory. */
  allowEmpty?: boolean;
  /**
   * Flux `spec.serviceAccountName`: every write — dry-run, apply, takeover, recreate, prune — is
   * made as this service account of the Kustomization's namespace (Kubernetes impersonation), so
   * the Kustomization can change only what the account may change. Reads, discovery and the
   * inventory use the client's own identity.
   */
  serviceAccountName?: string;
  /**
   * Flux `spec.commonMetadata`: labels and annotations set on every object of the bundle (a key
   * the object already has is overridden), without touching selectors or pod templates.
   */
  commonMetadata?: { labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined };
  /** Wait for every applied object to be ready (Flux `spec.wait`). */
  wait?: boolean;
  /** Objects to wait for (Flux `spec.healthChecks`), in addition to `wait`. */
  healthChecks?: readonly (ObjectRef & { apiVersion: string })[];
  /**
   * Flux `spec.healthCheckExprs`, compiled ({@link compileHealthCheckExprs}): objects of the wait
   * set whose API group/kind they cover are judged by their CEL expressions instead of the
   * built-in readiness rules.
   */
  healthCheckExprs?: HealthCheckRules;
  /**
   * Flux `spec.ignore`, compiled ({@link compileIgnoreRules}): fields of existing objects left to
   * other managers (see ignore.ts).
   */
  ignore?: IgnoreRules;
  /** Health wait timeout (Flux `spec.timeout`, default 5 minutes). */
  timeoutMs?: number;
  /** Poll interval of waits (default 2 s). */
  pollIntervalMs?: number;
  clock?: Clock;
}

/**
 * The client that writes for `request`: `client` itself, or — with `serviceAccountName` — the same
 * connection impersonating that service account of the Kustomization's namespace.
 */
export function writerFor(client: KubeApi, request: Pick<ReconcileRequest, 'owner' | 'serviceAccountName'>): KubeApi {
  return request.serviceAccountName ? client.impersonating(serviceAccountUser(request.owner.namespace, request.serviceAccountName)) : client;
}

/** The user name of a service account (what Kubernetes impersonation and RBAC subjects use). */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * Builds a reconcile request from a Flux Kustomization and its rendered bundle: `prune`, `force`,
 * `wait`, `timeout`, `healthChecks`, `healthCheckExprs` and `targetNamespace` carry over as Flux
 * applies them. Throws InvalidInputError for a health check without apiVersion (its kind alone is
 * ambiguous) and for invalid health check expressions.
 */
export function requestFromKustomization(
  kustomization: FluxKustomization,
  bundle: { objects: readonly KubeObject[]; revision: string; order?: number; digest?: string },
): ReconcileRequest {
  const spec = kustomization.spec;
  const owner = { name: kustomization.metadata.name, namespace: kustomization.metadata.namespace };
  const healthChecks = (spec.healthChecks ?? []).map((check) => {
    if (!check.apiVersion) {
      throw new InvalidInputError(`healthChecks entry ${check.kind} ${check.name} needs an apiVersion`, {
        object: { apiVersion: kustomization.apiVersion, kind: 'Kustomization', namespace: owner.namespace, name: owner.name },
      });
    }
    return { apiVersion: check.apiVersion, kind: check.kind, name: check.name, ...(check.namespace ? { namespace: check.namespace } : {}) };
  });
  const kustomizationObject = { object: { apiVersion: kustomization.apiVersion, kind: 'Kustomization', namespace: owner.namespace, name: owner.name } };
  const healthCheckExprs = spec.healthCheckExprs?.length ? compileHealthCheckExprs(spec.healthCheckExprs, kustomizationObject) : undefined;
  const ignore = spec.ignore?.length ? compileIgnoreRules(spec.ignore, kustomizationObject) : undefined;
  return {
    owner,
    objects: bundle.objects,
    revision: bundle.revision,
    ...(bundle.order !== undefined ? { order: bundle.order } : {}),
    ...(bundle.digest ? { digest: bundle.digest } : {}),
    ...(spec.targetNamespace ? { targetNamespace: spec.targetNamespace } : {}),
    ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
    ...(spec.commonMetadata ? { commonMetadata: spec.commonMetadata } : {}),
    prune: spec.prune,
    force: spec.force === true,
    wait: spec.wait === true,
    ...(healthChecks.length > 0 ? { healthChecks } : {}),
    ...(healthCheckExprs ? { healthCheckExprs } : {}),
    ...(ignore ? { ignore } : {}),
    timeoutMs: durationToMs(spec.timeout ?? spec.interval),
  };
}
