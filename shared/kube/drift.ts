/**
 * Drift: which objects of a bundle no longer match the cluster, found the cheap way an apply finds
 * its Unchanged objects — one LIST per kind, the managed-fields check, and a server-side dry-run
 * only for objects that check cannot clear. Nothing is written.
 */
import { TransientError, errorMessage } from '#shared/errors/index.ts';
import type { KubeApi } from './api.ts';
import { applyPlanned } from './apply.ts';
import type { ChangeSet, ObjectError } from './changeset.ts';
import type { ClusterClient } from './client.ts';
import { sameObject, unchangedOnManagedFields } from './compare.ts';
import { applyContext } from './context.ts';
import type { FieldDrift } from './field-drift.ts';
import { fieldDrifts } from './field-drift.ts';
import type { KubeObject, OwnerRef } from './objects.ts';
import { OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL, objectId, refOf } from './objects.ts';
import { classifyCheaply } from './plan.ts';
import { attachLiveObjects, prepareObjects } from './prepare.ts';
import type { PreparedObject } from './prepare.ts';
import { ssaPolicy } from './policy.ts';
import { writerFor } from './request.ts';
import type { ReconcileRequest } from './request.ts';
import { scrubSecretValues, scrubTransient } from './mask.ts';
import { handsOffMarker } from './objects.ts';
import { takeoverPatch } from './takeover.ts';
import { applyIgnoreRules } from './ignore.ts';

/** One drifted object: changed in the cluster (`Modified`) or gone (`Missing`). */
export interface DriftedObject {
  object: { apiVersion: string; kind: string; name: string; namespace?: string };
  change: 'Modified' | 'Missing';
}

/** Result of {@link detectDrift}. */
export interface DriftResult {
  drifted: DriftedObject[];
  /** Objects checked (the bundle's size once prepared). */
  checked: number;
  errors: ObjectError[];
}

/**
 * Compares a bundle with the cluster and lists the objects an apply would create (Missing) or
 * change (Modified), as the drift function reports before correcting. An object holding fields
 * written with kubectl is Modified: the apply takes them over and removes what Git lacks.
 */
export async function detectDrift(
  client: ClusterClient,
  request: Pick<ReconcileRequest, 'owner' | 'objects' | 'targetNamespace' | 'forceConflicts' | 'commonMetadata' | 'serviceAccountName' | 'ignore'>,
): Promise<DriftResult> {
  // Dry-runs are made as the apply would write (see writerFor).
  const writer = writerFor(client, request);
  const errors: ObjectError[] = [];
  const planned = await prepareObjects(client, request, errors);
  await attachLiveObjects(client, request.owner, planned);
  const results = await Promise.all(
    planned.map(async (p): Promise<DriftedObject | undefined> => {
      // As an apply would: `ssa: Ignore` / `reconcile: disabled` objects are never applied,
      // `IfNotPresent` ones only when missing.
      const policy = ssaPolicy(p.object);
      if (handsOffMarker(p.object) || handsOffMarker(p.live)) return undefined;
      if (p.deferred) return { object: p.ref, change: 'Missing' };
      if (p.live && request.ignore) applyIgnoreRules(p.object, p.live, request.ignore, client.fieldManager);
      if (policy === 'IfNotPresent' && p.live) return undefined;
      // Fields kubectl wrote are taken over by the next apply (see takeover.ts): that is a change.
      if (p.live && takeoverPatch(p.object, p.live, client.fieldManager)) return { object: p.ref, change: 'Modified' };
      if (p.live && unchangedOnManagedFields(p.object, p.live, client.fieldManager)) return undefined;
      try {
        const dryRun = await writer.applyWithStatus(p.object, { dryRun: true, force: request.forceConflicts ?? true, discardResult: !p.live });
        if (dryRun.created) return { object: p.ref, change: 'Missing' };
        if (policy === 'IfNotPresent') return undefined;
        return p.live && sameObject(dryRun.object, p.live) ? undefined : { object: p.ref, change: 'Modified' };
      } catch (error) {
        if (error instanceof TransientError) throw scrubTransient(error, p.object);
        errors.push({ object: p.ref, message: scrubSecretValues(errorMessage(error), p.object) });
        return undefined;
      }
    }),
  );
  return { drifted: results.filter((r): r is DriftedObject => r !== undefined), checked: planned.length, errors };
}

// ---- the fleet sweep's check ------------------------------------------------------------------

/** One Kustomization's bundle to check in a cluster, and whether drift is put back. */
export interface DriftTarget extends Pick<
  ReconcileRequest,
  'owner' | 'objects' | 'targetNamespace' | 'forceConflicts' | 'commonMetadata' | 'serviceAccountName' | 'ignore'
> {
  /** Re-apply drifted objects (`correct`, Flux's behaviour) or only report them (`detect`). */
  correct: boolean;
}

/** A drifted object, with what changed field by field. */
export interface DriftFinding extends DriftedObject {
  fields: FieldDrift[];
  /** Changed fields left out of `fields`. */
  fieldsOmitted: number;
  /** The object was re-applied and matches Git again. */
  corrected: boolean;
}

/** The outcome of one Kustomization of {@link checkDrift}. */
export interface TargetDrift {
  owner: OwnerRef;
  /** Objects of the bundle compared. */
  checked: number;
  drifted: DriftFinding[];
  errors: ObjectError[];
}

/** Options of {@link checkDrift}. */
export interface CheckDriftOptions {
  /** Collections already listed with {@link listOwnedObjects} (key `apiVersion/kind`): not listed again. */
  listed?: ReadonlyMap<string, readonly KubeObject[]>;
  /** Set when the check's deadline passed: no write starts after it. */
  signal?: AbortSignal;
  /** Changed fields reported per object at most (default 10). */
  maxFields?: number;
}

/**
 * The label selector of every object applied for any of `owners`: one LIST per kind then serves
 * all the Kustomizations of a cluster (the namespace label is checked on the results).
 */
export function ownersSelector(owners: readonly OwnerRef[]): string {
  const names = [...new Set(owners.map((o) => o.name))].sort();
  return `${OWNER_NAME_LABEL} in (${names.join(',')})`;
}

/** One paginated LIST of a kind, label-selected for `owners`. */
export async function listOwnedObjects(client: KubeApi, owners: readonly OwnerRef[], apiVersion: string, kind: string): Promise<KubeObject[]> {
  return client.list(apiVersion, kind, { labelSelector: ownersSelector(owners) });
}

/**
 * Checks the bundles of a cluster's Kustomizations against the cluster the cheap way: one LIST
 * per kind for all of them (label-selected, paginated), the managed-fields comparison of the
 * apply's plan (`classifyCheaply`), and a request for an object only when that comparison cannot
 * clear it — a server-side dry-run in `detect` mode, the re-apply itself in `correct` mode (its
 * answer tells whether anything changed, so an object that was in sync after all costs one no-op
 * write and is not reported). Missing objects are created again in `correct` mode; fields kubectl
 * wrote are taken over first, as an apply does. Each drifted object comes with its changed fields
 * (Secret values masked).
 *
 * Throws TransientError when the cluster cannot be reached; errors about single objects are
 * collected per Kustomization.
 */
export async function checkDrift(client: KubeApi, targets: readonly DriftTarget[], options: CheckDriftOptions = {}): Promise<TargetDrift[]> {
  const prepared = await Promise.all(
    targets.map(async (target) => {
      const errors: ObjectError[] = [];
      return { target, objects: await prepareObjects(client, target, errors), errors };
    }),
  );
  // One LIST per kind across every Kustomization of the cluster.
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const { objects } of prepared)
    for (const p of objects) if (p.info) kinds.set(`${p.object.apiVersion}/${p.object.kind}`, { apiVersion: p.object.apiVersion, kind: p.object.kind });
  const owners = targets.map((t) => t.owner);
  const live = new Map<string, KubeObject>();
  await Promise.all(
    [...kinds].map(async ([key, { apiVersion, kind }]) => {
      const items = options.listed?.get(key) ?? (await listOwnedObjects(client, owners, apiVersion, kind));
      for (const item of items) {
        const labels = item.metadata.labels ?? {};
        live.set(`${labels[OWNER_NAMESPACE_LABEL]}/${labels[OWNER_NAME_LABEL]}/${objectId(refOf(item))}`, item);
      }
    }),
  );
  return Promise.all(
    prepared.map(async ({ target, objects, errors }): Promise<TargetDrift> => {
      for (const p of objects) {
        const found = live.get(`${target.owner.namespace}/${target.owner.name}/${p.id}`);
        if (found) p.live = found;
      }
      // Drift is put back without a prior dry-run: the apply's answer is the comparison.
      const ctx = applyContext(client, { ...target, validate: false });
      const found = await Promise.all(objects.map((p) => checkOne(ctx, p, target, errors, options)));
      return { owner: target.owner, checked: objects.length, drifted: found.filter((f): f is DriftFinding => f !== undefined), errors };
    }),
  );
}

/** The drift of one prepared object, corrected when asked; undefined when it is in sync or left alone. */
async function checkOne(
  ctx: ReturnType<typeof applyContext>,
  p: PreparedObject,
  target: DriftTarget,
  errors: ObjectError[],
  options: CheckDriftOptions,
): Promise<DriftFinding | undefined> {
  // A kind this bundle's own CRD defines, not served: the CRD is gone, the apply will say more.
  if (!p.info) return { object: p.ref, change: 'Missing', fields: [], fieldsOmitted: 0, corrected: false };
  const cheap = classifyCheaply(ctx, p);
  if (cheap.action !== 'NeedsDryRun') return undefined;
  const takeover = cheap.takeover;
  const live = p.live;
  const describe = (gone: boolean, corrected: boolean): DriftFinding => {
    if (gone || !live) return { object: p.ref, change: 'Missing', fields: [], fieldsOmitted: 0, corrected };
    const diff = fieldDrifts(p.object, live, {
      fieldManager: ctx.client.fieldManager,
      ...(options.maxFields !== undefined ? { maxFields: options.maxFields } : {}),
    });
    return { object: p.ref, change: 'Modified', fields: diff.fields, fieldsOmitted: diff.omitted, corrected };
  };
  try {
    if (!target.correct) {
      const dryRun = await ctx.writer.applyWithStatus(p.object, { dryRun: true, force: ctx.forceConflicts, discardResult: !live });
      if (dryRun.created) return describe(true, false);
      if (ssaPolicy(p.object) === 'IfNotPresent') return undefined;
      if (!takeover && live && sameObject(dryRun.object, live)) return undefined;
      return describe(false, false);
    }
    if (options.signal?.aborted) throw new TransientError('the drift check ran out of time before correcting', { object: p.ref });
    const changeSet: ChangeSet = { entries: [], errors: [] };
    await applyPlanned(ctx, [{ ...p, plan: { action: 'ApplyUnvalidated', ...(takeover ? { takeover } : {}) } }], changeSet);
    errors.push(...changeSet.errors);
    const entry = changeSet.entries[0];
    // Re-applying an object that was in sync is a no-op (same resourceVersion): not drift.
    if (!entry || (entry.action === 'Unchanged' && !takeover)) return undefined;
    return describe(entry.action === 'Created', true);
  } catch (error) {
    if (error instanceof TransientError) throw scrubTransient(error, p.object);
    errors.push({ object: p.ref, message: scrubSecretValues(errorMessage(error), p.object) });
    return undefined;
  }
}
