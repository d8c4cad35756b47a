/**
 * The inventory: which objects a Kustomization applied to a cluster, stored in the cluster itself
 * (a ConfigMap `<kustomization namespace>.<kustomization name>` in `tideline-system`), so prune and
 * the stale-revision guard work no matter which function instance runs next.
 *
 * Ordering signal: a Git SHA is not ordered, so every reconcile also carries `order`, a number that
 * grows with newer revisions — Tideline uses the commit time in milliseconds (committer date), with a
 * delivery sequence as tiebreak left to the caller. A revision whose `order` is lower than the
 * inventory's is refused; the same order with a different revision is accepted (two commits in the
 * same millisecond cannot be told apart, and FIFO delivery per Kustomization keeps them in order).
 */
import { ConflictError, InvalidInputError } from '#shared/errors/index.ts';
import type { KubeApi } from './api.ts';
import type { KubeObject, OwnerRef } from './objects.ts';
import { FIELD_MANAGER, OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL, kustomizationRef } from './objects.ts';

/** Namespace holding Tideline's inventories. */
export const INVENTORY_NAMESPACE = 'tideline-system';
const DATA_KEY = 'inventory.json';

/** One applied object: Flux-style id and the apiVersion it was applied with. */
export interface InventoryEntry {
  id: string;
  v: string;
}

/** What the cluster remembers about the last successful reconcile of a Kustomization. */
export interface Inventory {
  entries: InventoryEntry[];
  /** Source revision, e.g. `main@sha1:<sha>`. */
  revision: string;
  /** Ordering signal of the revision (commit time in ms); absent for local applies. */
  order?: number;
  /** Digest of the applied bundle (`sha256:…`). */
  digest?: string;
  /** When it was applied (ISO time). */
  appliedAt: string;
}

/** Name of the inventory ConfigMap of a Kustomization. */
export function inventoryName(owner: OwnerRef): string {
  return `${owner.namespace}.${owner.name}`;
}

/** The inventory ConfigMap of `owner`. */
function inventoryRef(owner: OwnerRef) {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace: INVENTORY_NAMESPACE, name: inventoryName(owner) };
}

/** Reads the inventory of `owner`; undefined when the Kustomization never applied to this cluster. */
export async function readInventory(client: KubeApi, owner: OwnerRef): Promise<Inventory | undefined> {
  const ref = inventoryRef(owner);
  const object = await client.get(ref);
  if (!object) return undefined;
  return parseInventory(object, ref);
}

/**
 * The inventory held by an inventory ConfigMap already read (e.g. by a LIST of the owner's
 * ConfigMaps, which returns it with the rest); InvalidInputError when it does not parse.
 */
export function parseInventory(
  object: KubeObject,
  ref: { apiVersion: string; kind: string; namespace: string; name: string } = inventoryRef({
    name: object.metadata.labels?.[OWNER_NAME_LABEL] ?? '',
    namespace: object.metadata.labels?.[OWNER_NAMESPACE_LABEL] ?? '',
  }),
): Inventory {
  const text = (object.data as Record<string, string> | undefined)?.[DATA_KEY];
  try {
    const parsed = JSON.parse(text ?? '') as Inventory;
    if (!Array.isArray(parsed.entries) || typeof parsed.revision !== 'string') throw new Error('missing entries or revision');
    return parsed;
  } catch (error) {
    throw new InvalidInputError(`inventory is unreadable (${(error as Error).message}); delete it to start over`, { object: ref, cause: error });
  }
}

/** Writes (server-side applies) the inventory of `owner`, creating `tideline-system` when needed. */
export async function writeInventory(client: KubeApi, owner: OwnerRef, inventory: Inventory): Promise<void> {
  const configMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(owner),
      namespace: INVENTORY_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER, [OWNER_NAME_LABEL]: owner.name, [OWNER_NAMESPACE_LABEL]: owner.namespace },
    },
    data: { [DATA_KEY]: JSON.stringify({ ...inventory, entries: [...inventory.entries].sort((a, b) => a.id.localeCompare(b.id)) }) },
  };
  try {
    await client.apply(configMap, { label: 'PATCH inventory' });
  } catch (error) {
    if (!(error instanceof Error) || !/namespaces? "?tideline-system"? not found/.test(error.message)) throw error;
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: INVENTORY_NAMESPACE } });
    await client.apply(configMap, { label: 'PATCH inventory' });
  }
}

/**
 * Removes the inventory of `owner` (the Kustomization left the fleet: its objects were deleted or
 * orphaned). False when there was none.
 */
export async function deleteInventory(client: KubeApi, owner: OwnerRef): Promise<boolean> {
  return client.delete(inventoryRef(owner));
}

/** A revision older than the applied one (event `reason: StaleRevision`). */
export class StaleRevisionError extends ConflictError {
  readonly reason = 'StaleRevision' as const;
}

/** An empty bundle over a non-empty inventory, not explicitly allowed (`reason: EmptyBundleRefused`). */
export class EmptyBundleError extends InvalidInputError {
  readonly reason = 'EmptyBundleRefused' as const;
}

/**
 * Refuses a revision older than the one the inventory records (an out-of-order delivery must not
 * roll a cluster back). Throws StaleRevisionError (a ConflictError) naming the Kustomization, both
 * revisions and the inventory.
 */
export function assertNotStale(inventory: Inventory | undefined, incoming: { revision: string; order?: number }, owner: OwnerRef): void {
  if (!inventory || inventory.order === undefined || incoming.order === undefined) return;
  if (incoming.order < inventory.order) {
    throw new StaleRevisionError(
      `revision ${incoming.revision} (order ${incoming.order}) is older than the applied revision ${inventory.revision} (order ${inventory.order}, recorded in ConfigMap ${INVENTORY_NAMESPACE}/${inventoryName(owner)}); refusing to roll back — push a new commit or apply explicitly`,
      { object: kustomizationRef(owner) },
    );
  }
}
