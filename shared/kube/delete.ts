/**
 * Delete: prune objects a Kustomization applied before and no longer holds.
 *
 * Order follows Flux: namespaced objects first, then other cluster-scoped objects, then Namespaces,
 * CRDs last (deleting a CRD deletes every custom resource of it). An object is never pruned when it
 * carries `kustomize.toolkit.fluxcd.io/prune: disabled` or when its ownership labels do not name
 * this Kustomization (another one adopted it, or someone removed the labels): those are Skipped.
 */
import { NotFoundError, TransientError, errorMessage } from '#shared/errors/index.ts';
import type { Clock } from '#shared/ports/index.ts';
import type { ChangeSetEntry, ObjectError } from './changeset.ts';
import type { KubeApi } from './api.ts';
import type { InventoryEntry } from './inventory.ts';
import type { KubeObject, OwnerRef } from './objects.ts';
import { PRUNE_ANNOTATION, groupOf, handsOffMarker, isOwnedBy, parseObjectId } from './objects.ts';

/** Prune rank: lower is deleted earlier. */
function pruneRank(kind: string, group: string, namespace: string): number {
  if (kind === 'CustomResourceDefinition' && group === 'apiextensions.k8s.io') return 3;
  if (kind === 'Namespace' && group === '') return 2;
  return namespace ? 0 : 1;
}

/**
 * Reads an object recorded in the inventory. When the recorded apiVersion is no longer served but
 * its kind still is in another version (an API version graduated or was retired), the object is read
 * in that version: it is the same object. Throws NotFoundError when the kind is not served at all.
 */
async function getInAnyServedVersion(
  client: KubeApi,
  ref: { apiVersion: string; kind: string; name: string; namespace?: string },
): Promise<KubeObject | undefined> {
  try {
    return await client.get(ref);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const other = client.servedApiVersions(groupOf(ref.apiVersion), ref.kind).find((v) => v !== ref.apiVersion);
    if (!other) throw error;
    return client.get({ ...ref, apiVersion: other });
  }
}

/** The message of a prune entry whose object was gone before the prune came to it. */
export const ALREADY_GONE = 'already gone';

/**
 * Deletes the objects of `stale` (inventory entries) in prune order and reports each as Deleted or
 * Skipped. An object already gone (deleted by hand, or its kind no longer served) is reported as
 * Deleted with the message "already gone", as Flux reports it: the inventory drops it and the change
 * set says so. Errors are collected per object. Deletes go through
 * `options.writer` when given (a client impersonating the Kustomization's service account), reads
 * through `client`. With `dryRun`, nothing is deleted: the entries say what a prune would change
 * (objects already gone are left out).
 */
export async function pruneObjects(
  client: KubeApi,
  owner: OwnerRef,
  stale: readonly InventoryEntry[],
  options: { clock?: Clock; writer?: KubeApi; dryRun?: boolean } = {},
): Promise<{ entries: ChangeSetEntry[]; errors: ObjectError[] }> {
  const writer = options.writer ?? client;
  // Gone already: nothing for a dry run to show, a Deleted entry for a real prune (as Flux reports it).
  const gone = (ref: ChangeSetEntry['object'], why = ''): ChangeSetEntry | undefined =>
    options.dryRun ? undefined : { object: ref, action: 'Deleted', message: `${ALREADY_GONE}${why}` };
  const entries: ChangeSetEntry[] = [];
  const errors: ObjectError[] = [];
  const parsed = stale.flatMap((entry) => {
    const id = parseObjectId(entry.id);
    if (!id) {
      errors.push({ message: `inventory entry "${entry.id}" is not an object id; ignored` });
      return [];
    }
    const ref = {
      apiVersion: id.group ? `${id.group}/${entry.v}` : entry.v,
      kind: id.kind,
      name: id.name,
      ...(id.namespace ? { namespace: id.namespace } : {}),
    };
    return [{ ref, rank: pruneRank(id.kind, id.group, id.namespace) }];
  });
  // The apply before may have changed which versions are served (a CRD of the bundle retired one):
  // read discovery afresh so each entry is looked up where the cluster serves it now.
  if (parsed.length > 0) await client.refreshDiscovery();
  for (let rank = 0; rank <= 3; rank++) {
    const results = await Promise.all(
      parsed
        .filter((p) => p.rank === rank)
        .map(async ({ ref }): Promise<ChangeSetEntry | undefined> => {
          try {
            const live = await getInAnyServedVersion(client, ref);
            if (!live) return gone(ref);
            if (live.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled' || live.metadata.labels?.[PRUNE_ANNOTATION] === 'disabled')
              return { object: ref, action: 'Skipped', message: `annotated ${PRUNE_ANNOTATION}: disabled` };
            // Flux leaves objects alone that are out of reconciliation (ssa: Ignore, reconcile: disabled).
            const marker = handsOffMarker(live);
            if (marker) return { object: ref, action: 'Skipped', message: `annotated ${marker}` };
            if (!isOwnedBy(live, owner)) return { object: ref, action: 'Skipped', message: 'its ownership labels name another Kustomization' };
            // A dry run (diff) stops here: everything that decides Deleted or Skipped is checked.
            if (options.dryRun) return { object: ref, action: 'Deleted' };
            const deleted = await writer.delete({ ...ref, apiVersion: live.apiVersion });
            return deleted ? { object: ref, action: 'Deleted' } : gone(ref);
          } catch (error) {
            // A kind that is no longer served (its CRD is gone) has no objects left to prune.
            if (error instanceof NotFoundError) return gone(ref, ' (its kind is no longer served)');
            if (error instanceof TransientError) throw error;
            errors.push({ object: ref, message: errorMessage(error) });
            return undefined;
          }
        }),
    );
    for (const entry of results) if (entry) entries.push(entry);
  }
  return { entries, errors };
}
