/**
 * Drift: which objects of a bundle no longer match the cluster, found the cheap way an apply finds
 * its Unchanged objects — one LIST per kind, the managed-fields check, and a server-side dry-run
 * only for objects that check cannot clear. Nothing is written.
 */
import { TransientError, errorMessage } from '#shared/errors/index.ts';
import type { ObjectError } from './changeset.ts';
import type { ClusterClient } from './client.ts';
import { sameObject, unchangedOnManagedFields } from './compare.ts';
import { attachLiveObjects, prepareObjects } from './prepare.ts';
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
export async function detectDrift(client: ClusterClient, request: Pick<ReconcileRequest, 'owner' | 'objects' | 'targetNamespace' | 'forceConflicts' | 'commonMetadata' | 'serviceAccountName' | 'ignore'>): Promise<DriftResult> {
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
