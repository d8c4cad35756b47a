/**
 * Flux's per-object policies, as an apply, a diff and a drift check all honour them: the `ssa`
 * annotation (`Ignore`, `IfNotPresent`), the opt-in to recreation, and how the API server says
 * that only a recreation can make a change.
 */
import { apiFailureOf } from './transport.ts';
import type { KubeObject } from './objects.ts';
import { FORCE_ANNOTATION, SSA_ANNOTATION } from './objects.ts';

/** Flux's per-object apply policy (`Ignore`, `IfNotPresent`; anything else applies normally). */
export function ssaPolicy(object: KubeObject): string | undefined {
  return object.metadata.annotations?.[SSA_ANNOTATION];
}

/** Why an `IfNotPresent` object is left alone, as a change set entry says it. */
export const IF_NOT_PRESENT_EXISTS = `annotated ${SSA_ANNOTATION}: IfNotPresent and it exists`;

/** Flux's per-object opt-in to recreation on immutable-field changes (annotation or label). */
export function recreateAnnotated(object: KubeObject): boolean {
  return object.metadata.annotations?.[FORCE_ANNOTATION] === 'enabled' || object.metadata.labels?.[FORCE_ANNOTATION] === 'enabled';
}

/**
 * Whether an object whose immutable fields change may be deleted and created again: the
 * Kustomization says so (`spec.force`), or the manifest or the live object opts in.
 */
export function recreateAllowed(force: boolean, object: KubeObject, live: KubeObject | undefined): boolean {
  return force || recreateAnnotated(object) || (live !== undefined && recreateAnnotated(live));
}

/**
 * How the API server words a change it refuses because a field is immutable: `field is immutable`
 * (Deployment selector, Job template, ConfigMap `immutable: true` data), `spec is immutable`
 * (PersistentVolumeClaim), `may not change once set` (Service clusterIP), `cannot change roleRef`
 * (RoleBinding), `updates to statefulset spec … are forbidden`, and CEL/webhook variants with
 * `immutable field` or `is immutable` (the phrases Flux matches too).
 */
const IMMUTABLE = /is immutable|immutable field|Forbidden: updates to .* are forbidden|may not be changed|may not change once set|cannot change roleRef/i;

/**
 * True when an API failure says an immutable field would change: a 422 (or a webhook's 400/403)
 * whose message uses one of the API server's phrases for it. Such an object can only be changed
 * by deleting and recreating it.
 */
export function isImmutableFieldError(error: unknown): boolean {
  const failure = apiFailureOf(error);
  return failure !== undefined && [400, 403, 422].includes(failure.status) && IMMUTABLE.test(failure.message);
}
