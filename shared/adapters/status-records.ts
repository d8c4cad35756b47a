/**
 * What every {@link StatusStore} adapter shares: how a record is created and merged, its identity
 * as a string, and the order of listings — so the DynamoDB table and the local file behave alike.
 */
import type { KustomizationKey, KustomizationStatus, ReadyCondition, SourceKey, SourceStatus } from '#shared/ports/index.ts';

/** The Ready condition of a record nothing has reported on yet (Flux prints the same message). */
export function waitingCondition(now: string): ReadyCondition {
  return { status: 'Unknown', reason: 'Progressing', message: 'waiting to be reconciled', since: now };
}

/** `<cluster>/<namespace>/<name>`: a Kustomization record's identity. */
export function kustomizationId(key: KustomizationKey): string {
  return `${key.cluster}/${key.namespace}/${key.name}`;
}

/** `<kind>/<namespace>/<name>`: a source record's identity. */
export function sourceId(key: SourceKey): string {
  return `${key.cluster}/${key.kind}/${key.namespace}/${key.name}`;
}

/** The fields of `update` that carry a value (absent and `undefined` fields leave a record as it is). */
export function definedFields<T extends object>(update: T): [keyof T & string, unknown][] {
  return Object.entries(update).filter(([, value]) => value !== undefined) as [keyof T & string, unknown][];
}

/**
 * Merges `update` field by field into `existing` (or a new record for `key`) and stamps `updatedAt`.
 * Top-level fields replace; nested ones (`ready`, `timings` …) are written whole by their owner.
 */
export function mergeKustomization(existing: KustomizationStatus | undefined, key: KustomizationKey, update: object, now: string): KustomizationStatus {
  const merged: Record<string, unknown> = { ...(existing ?? { ready: waitingCondition(now) }) };
  for (const [field, value] of definedFields(update)) merged[field] = value;
  // Identity first, so a record reads (and prints as JSON) from what it is about.
  return { cluster: key.cluster, namespace: key.namespace, name: key.name, ...merged, updatedAt: now } as KustomizationStatus;
}

/** Merges a source update; see {@link mergeKustomization}. New records need `url` and `ref`, empty until known. */
export function mergeSource(existing: SourceStatus | undefined, key: SourceKey, update: object, now: string): SourceStatus {
  const merged: Record<string, unknown> = { ...(existing ?? { url: '', ref: '', ready: waitingCondition(now) }) };
  for (const [field, value] of definedFields(update)) merged[field] = value;
  return { kind: key.kind, cluster: key.cluster, namespace: key.namespace, name: key.name, ...merged, updatedAt: now } as SourceStatus;
}

/** Orders Kustomization records by cluster, namespace, name. */
export function compareKustomizations(a: KustomizationKey, b: KustomizationKey): number {
  return compareStrings(a.cluster, b.cluster) || compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

/** Orders source records by kind, namespace, name. */
export function compareSources(a: SourceKey, b: SourceKey): number {
  return compareStrings(a.cluster, b.cluster) || compareStrings(a.kind, b.kind) || compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
