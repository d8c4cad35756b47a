/**
 * Reconcile: a rendered bundle made true in a cluster, the way Flux's kustomize-controller does
 * it, with a change set as result. This is the controller layer around prepare, plan and apply.
 *
 * Order of work (each step only when the previous one left no error):
 * 1. guards: stale revision (inventory order), empty bundle over a non-empty inventory;
 * 2. prepare (prepare.ts): namespace defaulting (`targetNamespace`), ownership labels, duplicates;
 * 3. plan (plan.ts): one LIST per kind (ownership label selector); objects that provably match the
 *    live object on the fields we manage are Unchanged with no further request; every other object
 *    is validated by a server-side dry-run — all errors are collected and nothing is applied if any;
 * 4. apply in stages (apply.ts): CRDs and Namespaces (then wait for the CRDs to be Established and
 *    plan the objects that needed them), other cluster-scoped objects, namespaced objects;
 * 5. prune what the previous inventory holds and the bundle no longer does (never after a failure);
 * 6. record the inventory; 7. wait for health when asked.
 */
import type { ObjectRef } from '#shared/errors/index.ts';
import { describeObject } from '#shared/errors/index.ts';
import type { ChangeSet } from './changeset.ts';
import type { KubeApi } from './api.ts';
import { applyContext } from './context.ts';
import { pruneObjects } from './delete.ts';
import type { Inventory, InventoryEntry } from './inventory.ts';
import { EmptyBundleError, assertNotStale, readInventory, writeInventory } from './inventory.ts';
import type { KubeObject } from './objects.ts';
import { isCrd, isNamespace, kustomizationRef, objectId, ownerSelector, versionOf } from './objects.ts';
import type { Planned } from './plan.ts';
import { DEFERRED, planObject } from './plan.ts';
import { ssaPolicy } from './policy.ts';
import { attachLiveObjects, objectError, prepareObjects } from './prepare.ts';
import type { ReconcileRequest } from './request.ts';
import { applyPlanned } from './apply.ts';
import type { WaitResult } from './wait.ts';
import { waitForReady } from './wait.ts';

/** Why a reconcile did not succeed (as in ReconcileFailed events). */
export type FailureReason = 'ValidationFailed' | 'ApplyFailed' | 'PruneFailed' | 'HealthCheckFailed';

/** The outcome of a reconcile. Stale revisions and refused empty bundles throw instead. */
export interface ReconcileResult {
  changeSet: ChangeSet;
  /** Set when anything failed; the change set's errors say what. */
  failure?: FailureReason;
  /** Health wait outcome, when a wait was asked for. */
  health?: WaitResult;
  /** The inventory recorded (absent when the reconcile failed before recording). */
  inventory?: Inventory;
}

/**
 * Reconciles `request.objects` into the cluster behind `client` and returns the change set.
 * Throws StaleRevisionError (a ConflictError) for a stale revision, EmptyBundleError (an
 * InvalidInputError) for a refused empty bundle, and
 * TransientError when the API server is unreachable (nothing is pruned; a later run converges).
 */
export async function reconcileObjects(client: KubeApi, request: ReconcileRequest): Promise<ReconcileResult> {
  // Writes go through `ctx.writer`: the client itself, or the same connection as the service account.
  const ctx = applyContext(client, request);
  const { clock } = ctx;
  const changeSet: ChangeSet = { entries: [], errors: [] };

  // 1. guards (before anything else touches the cluster).
  const previous = await readInventory(client, request.owner);
  assertNotStale(previous, request, request.owner);
  if (request.objects.length === 0 && (previous?.entries.length ?? 0) > 0 && !request.allowEmpty) {
    throw new EmptyBundleError(
      `the bundle is empty but ${previous?.entries.length} objects were applied before; refusing to prune them all (allow empty bundles explicitly to do so)`,
      { object: kustomizationRef(request.owner) },
    );
  }

  // 2. prepare.
  const prepared = await prepareObjects(client, request, changeSet.errors);
  if (changeSet.errors.length > 0) return { changeSet, failure: 'ValidationFailed' };

  // 3. plan: LIST per kind, then dry-run what is not provably unchanged.
  await attachLiveObjects(client, request.owner, prepared);
  const bundleNamespaces = new Set(prepared.filter((p) => isNamespace(p.object)).map((p) => p.object.metadata.name));
  // Objects in a Namespace this bundle creates cannot be dry-run before it exists: validate them
  // right after the first stage instead of paying for a dry-run that is bound to fail.
  const newNamespaces = new Set(prepared.filter((p) => isNamespace(p.object) && !p.live).map((p) => p.object.metadata.name));
  const planned: Planned[] = prepared.map((p) => ({ ...p, plan: DEFERRED }));
  const waitsForFirstStage = (p: Planned): boolean => p.deferred || Boolean(p.object.metadata.namespace && newNamespaces.has(p.object.metadata.namespace));
  await Promise.all(
    planned
      .filter((p) => !waitsForFirstStage(p))
      .map(async (p) => {
        p.plan = await planObject(ctx, p, changeSet.errors, bundleNamespaces);
      }),
  );
  if (changeSet.errors.length > 0) return { changeSet, failure: 'ValidationFailed' };

  // Record every object we are about to write before writing any, so an interrupted run leaves
  // nothing untracked: a later run prunes what it created if the bundle no longer holds it.
  if (planned.some((p) => p.plan.action !== 'Unchanged' && p.plan.action !== 'Skipped')) {
    const tracked = new Set((previous?.entries ?? []).map((e) => e.id));
    const added = planned
      .filter((p) => !tracked.has(p.id) && p.plan.action !== 'Skipped')
      .map((p): InventoryEntry => ({ id: p.id, v: versionOf(p.object.apiVersion) }));
    if (added.length > 0) {
      await writeInventory(client, request.owner, {
        ...(previous ?? { revision: request.revision, appliedAt: new Date(clock.now()).toISOString() }),
        entries: [...(previous?.entries ?? []), ...added],
      });
    }
  }

  // 4. staged apply.
  const stage1 = planned.filter((p) => isCrd(p.object) || isNamespace(p.object));
  await applyPlanned(ctx, stage1, changeSet);
  if (changeSet.errors.length > 0) return { changeSet, failure: 'ApplyFailed' };
  const crds = stage1.filter((p) => isCrd(p.object));
  if (crds.length > 0) {
    const established = await waitForReady(
      client,
      crds.map((p) => p.ref),
      { timeoutMs: 60_000, intervalMs: 250, clock, labelSelector: ownerSelector(request.owner) },
    );
    for (const u of established.unhealthy)
      changeSet.errors.push({ object: u.object, message: `${describeObject(u.object)}: CRD not established: ${u.message}` });
    if (!established.ready) return { changeSet, failure: 'ApplyFailed' };
    if (planned.some((p) => p.plan.action === 'Deferred')) await client.refreshDiscovery();
  }
  const deferred = planned.filter((p) => p.plan.action === 'Deferred');
  if (deferred.length > 0) {
    for (const p of deferred) {
      try {
        p.info = await client.resourceFor(p.object.apiVersion, p.object.kind, p.ref);
      } catch (error) {
        changeSet.errors.push(objectError(p, error));
      }
    }
    await Promise.all(
      deferred
        .filter((p) => p.info)
        .map(async (p) => {
          p.plan = await planObject(ctx, p, changeSet.errors, new Set());
        }),
    );
    if (changeSet.errors.length > 0) return { changeSet, failure: 'ValidationFailed' };
  }
  const rest = planned.filter((p) => !isCrd(p.object) && !isNamespace(p.object));
  await applyPlanned(
    ctx,
    rest.filter((p) => !p.info?.namespaced),
    changeSet,
  );
  if (changeSet.errors.length === 0)
    await applyPlanned(
      ctx,
      rest.filter((p) => p.info?.namespaced),
      changeSet,
    );
  if (changeSet.errors.length > 0) return { changeSet, failure: 'ApplyFailed' };

  // 5. prune.
  const current = new Set(planned.map((p) => p.id));
  if (request.prune && previous) {
    const stale = previous.entries.filter((e) => !current.has(e.id));
    const pruned = await pruneObjects(client, request.owner, stale, { clock, writer: ctx.writer });
    changeSet.entries.push(...pruned.entries);
    changeSet.errors.push(...pruned.errors);
  }

  // 6. inventory: what we applied, plus what prune could not remove (so it is retried next time).
  const kept = request.prune
    ? (previous?.entries ?? []).filter((e) => !current.has(e.id) && changeSet.errors.some((err) => err.object && objectId(err.object) === e.id))
    : (previous?.entries ?? []).filter((e) => !current.has(e.id));
  const inventory: Inventory = {
    // Ignored objects are hands-off: not tracked (so never pruned), yet not pruned while in the bundle.
    entries: [
      ...planned.filter((p) => ssaPolicy(p.object) !== 'Ignore').map((p): InventoryEntry => ({ id: p.id, v: versionOf(p.object.apiVersion) })),
      ...kept,
    ],
    revision: request.revision,
    appliedAt: new Date(clock.now()).toISOString(),
    ...(request.order !== undefined ? { order: request.order } : previous?.order !== undefined ? { order: previous.order } : {}),
    ...(request.digest ? { digest: request.digest } : {}),
  };
  if (!previous || !sameInventory(previous, inventory)) await writeInventory(client, request.owner, inventory);
  else inventory.appliedAt = previous.appliedAt;
  if (changeSet.errors.length > 0) return { changeSet, failure: 'PruneFailed', inventory };

  // 7. health.
  const toWait: (ObjectRef & { apiVersion: string })[] = request.wait ? planned.filter((p) => computeHealthNeeded(p.object)).map((p) => p.ref) : [];
  for (const check of request.healthChecks ?? []) if (!toWait.some((r) => objectId(r) === objectId(check))) toWait.push(check);
  if (toWait.length > 0) {
    const health = await waitForReady(client, toWait, {
      timeoutMs: request.timeoutMs ?? 300_000,
      intervalMs: request.pollIntervalMs ?? 2_000,
      clock,
      labelSelector: ownerSelector(request.owner),
      ...(request.healthCheckExprs ? { healthCheckExprs: request.healthCheckExprs } : {}),
    });
    return health.ready ? { changeSet, health, inventory } : { changeSet, health, inventory, failure: 'HealthCheckFailed' };
  }
  return { changeSet, inventory };
}

/** Objects whose readiness means something (ConfigMaps and Secrets are ready once written). */
function computeHealthNeeded(object: KubeObject): boolean {
  return !['ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(object.kind);
}

function sameInventory(a: Inventory, b: Inventory): boolean {
  if (a.revision !== b.revision || a.order !== b.order || a.digest !== b.digest || a.entries.length !== b.entries.length) return false;
  const ids = new Set(a.entries.map((e) => `${e.id}@${e.v}`));
  return b.entries.every((e) => ids.has(`${e.id}@${e.v}`));
}
