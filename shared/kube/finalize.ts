/**
 * Finalize: what happens in a cluster when a Kustomization is removed from the fleet, following its
 * Flux `spec.deletionPolicy`:
 *
 * - `MirrorPrune` (default): delete what it applied when `prune` is true, else leave it (orphan);
 * - `Delete`: delete what it applied;
 * - `WaitForTermination`: delete, then wait (up to the timeout) until the objects are gone;
 * - `Orphan`: leave everything in place.
 *
 * Deletion is prune of the whole inventory — the same order and guards as a reconcile's prune
 * (`kustomize.toolkit.fluxcd.io/prune: disabled`, objects now labelled for another Kustomization,
 * and hands-off objects are left). The inventory itself is removed last, and only when every
 * deletion succeeded: a failed finalize keeps it, with what is left, so a retry continues.
 */
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { durationToMs } from '#shared/config/duration.ts';
import { describeObject } from '#shared/errors/index.ts';
import type { Clock } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import type { ChangeSet } from './changeset.ts';
import type { KubeApi } from './api.ts';
import type { ReconcileRequest } from './request.ts';
import { writerFor } from './request.ts';
import { pruneObjects } from './delete.ts';
import { deleteInventory, readInventory, writeInventory } from './inventory.ts';
import { objectId } from './objects.ts';

/** Flux `spec.deletionPolicy`. */
export type DeletionPolicy = 'MirrorPrune' | 'Delete' | 'WaitForTermination' | 'Orphan';

/** What to finalize, and how. */
export interface FinalizeRequest extends Pick<ReconcileRequest, 'owner' | 'serviceAccountName'> {
  /** Default `MirrorPrune`. */
  deletionPolicy?: DeletionPolicy;
  /** The Kustomization's `spec.prune` (what `MirrorPrune` mirrors). */
  prune: boolean;
  /** How long `WaitForTermination` waits (Flux `spec.timeout`; default 5 minutes). */
  timeoutMs?: number;
  /** Poll interval of that wait (default 2 s). */
  pollIntervalMs?: number;
  clock?: Clock;
}

/** The outcome of {@link finalizeKustomization}. */
export interface FinalizeResult {
  /** Deleted and Skipped objects, and errors. */
  changeSet: ChangeSet;
  /** What was done with the objects. */
  outcome: 'deleted' | 'orphaned' | 'nothing-applied';
  /** Objects left in the cluster on purpose (orphaned, or Skipped by the prune guards). */
  left: number;
  /** `PruneFailed`: a deletion failed (the inventory is kept); `TerminationTimeout`: objects still terminating when the wait ended. */
  failure?: 'PruneFailed' | 'TerminationTimeout';
}

/**
 * Removes (or orphans) everything the Kustomization `request.owner` applied to the cluster behind
 * `client`, according to its deletion policy, and deletes its inventory. Idempotent: a Kustomization
 * without an inventory has nothing to finalize. Throws TransientError when the API server is
 * unreachable (nothing is lost; a retry continues).
 */
export async function finalizeKustomization(client: KubeApi, request: FinalizeRequest): Promise<FinalizeResult> {
  const clock = request.clock ?? systemClock;
  const changeSet: ChangeSet = { entries: [], errors: [] };
  const inventory = await readInventory(client, request.owner);
  if (!inventory) return { changeSet, outcome: 'nothing-applied', left: 0 };
  const policy = request.deletionPolicy ?? 'MirrorPrune';
  if (policy === 'Orphan' || (policy === 'MirrorPrune' && !request.prune)) {
    await deleteInventory(client, request.owner);
    return { changeSet, outcome: 'orphaned', left: inventory.entries.length };
  }

  const pruned = await pruneObjects(client, request.owner, inventory.entries, { clock, writer: writerFor(client, request) });
  changeSet.entries.push(...pruned.entries);
  changeSet.errors.push(...pruned.errors);
  const left = pruned.entries.filter((e) => e.action === 'Skipped').length;
  if (changeSet.errors.length > 0) {
    // Keep what could not be deleted in the inventory, so that a retry deletes it.
    const failed = new Set(changeSet.errors.flatMap((e) => (e.object ? [objectId(e.object)] : [])));
    await writeInventory(client, request.owner, { ...inventory, entries: inventory.entries.filter((e) => failed.has(e.id)) });
    return { changeSet, outcome: 'deleted', left, failure: 'PruneFailed' };
  }

  let failure: FinalizeResult['failure'];
  if (policy === 'WaitForTermination') {
    const deleted = pruned.entries.filter((e) => e.action === 'Deleted').map((e) => e.object);
    const deadline = clock.now() + (request.timeoutMs ?? 300_000);
    let pending = deleted;
    for (;;) {
      const still = await Promise.all(pending.map(async (ref) => ((await client.get(ref)) ? ref : undefined)));
      pending = still.filter((ref): ref is (typeof deleted)[number] => ref !== undefined);
      if (pending.length === 0 || clock.now() >= deadline) break;
      await clock.sleep(request.pollIntervalMs ?? 2_000);
    }
    // As Flux: the wait gives up at the timeout and the Kustomization goes anyway; say what stayed.
    for (const ref of pending)
      changeSet.errors.push({
        object: ref,
        message: `${describeObject(ref)}: still terminating when the ${Math.round((request.timeoutMs ?? 300_000) / 1000)} s wait ended (finalizers?)`,
      });
    if (pending.length > 0) failure = 'TerminationTimeout';
  }
  await deleteInventory(client, request.owner);
  return { changeSet, outcome: 'deleted', left, ...(failure ? { failure } : {}) };
}

/** The finalize request of a Flux Kustomization: its deletion policy, `prune`, `timeout` and service account. */
export function finalizeRequestFromKustomization(kustomization: FluxKustomization): FinalizeRequest {
  const spec = kustomization.spec;
  return {
    owner: { name: kustomization.metadata.name, namespace: kustomization.metadata.namespace },
    prune: spec.prune,
    ...(spec.deletionPolicy ? { deletionPolicy: spec.deletionPolicy } : {}),
    ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
    timeoutMs: durationToMs(spec.timeout ?? spec.interval),
  };
}
