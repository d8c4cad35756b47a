/**
 * The state every step of an apply passes around — the connection, the identity that writes, the
 * conflict and recreation policy, the clock — held once, as Flux's `ssa.ResourceManager` holds its
 * client and field manager, so that prepare, plan and apply take one argument for it.
 */
import type { Clock } from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import type { KubeApi } from './api.ts';
import type { IgnoreRules } from './ignore.ts';
import type { OwnerRef } from './objects.ts';
import type { ReconcileRequest } from './request.ts';
import { writerFor } from './request.ts';
import { ListKeyChecker } from './schema.ts';

/** How one reconcile (or diff, or drift check) of one Kustomization talks to its cluster. */
export interface ApplyContext {
  /** Reads, discovery and the inventory: the connection's own identity. */
  readonly client: KubeApi;
  /** Every write and dry-run: `client`, or the Kustomization's service account (see writerFor). */
  readonly writer: KubeApi;
  /** The Kustomization the objects belong to. */
  readonly owner: OwnerRef;
  /** Take over fields other managers own (SSA `force`; default true, as Flux). */
  readonly forceConflicts: boolean;
  /** Flux `spec.force`: recreate objects whose immutable fields change. */
  readonly recreate: boolean;
  /** Validate changed objects by dry-run before writing any (default true). */
  readonly validate: boolean;
  /** Flux `spec.ignore`: fields of existing objects left to other managers. */
  readonly ignore: IgnoreRules | undefined;
  /** The list-key check of new objects; absent when validation is off. */
  readonly checker: ListKeyChecker | undefined;
  readonly clock: Clock;
}

/**
 * The context of one request against `client`, with the request's defaults applied. A new one per
 * reconcile: the list-key checker caches the schema it reads for the run.
 */
export function applyContext(
  client: KubeApi,
  request: Pick<ReconcileRequest, 'owner' | 'serviceAccountName' | 'forceConflicts' | 'force' | 'validate' | 'ignore' | 'clock'>,
): ApplyContext {
  const validate = request.validate !== false;
  return {
    client,
    writer: writerFor(client, request),
    owner: request.owner,
    forceConflicts: request.forceConflicts ?? true,
    recreate: request.force === true,
    validate,
    ignore: request.ignore,
    checker: validate ? new ListKeyChecker(client) : undefined,
    clock: request.clock ?? systemClock,
  };
}
