/**
 * The apply engine: how Tideline changes a cluster. One client per cluster ({@link ClusterClient};
 * the engines take the narrow {@link KubeApi} it implements), its verbs in their own files — reconcile ({@link reconcileObjects}), diff ({@link diffObjects}),
 * delete/prune ({@link pruneObjects}), wait ({@link waitForReady}), drift ({@link detectDrift}) —
 * and a change set as result.
 *
 * Engines inside shared/ that check or correct many bundles (diff, drift) build on the steps of a
 * reconcile, each in its own module and all sharing one {@link ApplyContext} (`context.ts`):
 * `prepareObjects` and `attachLiveObjects` (prepare.ts: the bundle as it will be sent, and the live
 * objects from one LIST per kind), `classifyCheaply` and `planObject` (plan.ts: settle what the
 * live object settles, dry-run only the rest), `applyPlanned` (apply.ts: apply a chosen subset).
 */
export { ClusterClient } from './client.ts';
export type { ClusterClientOptions } from './client.ts';
export type { KubeApi, ApplyOptions, ObjectKey } from './api.ts';
export type { ResourceInfo } from './discovery.ts';
export type { ApiFailure, SendOptions, TransportOptions } from './transport.ts';
export { apiFailureOf } from './transport.ts';
export { endpointFromKubeconfig, endpointFromKubeconfigFile, endpointFromClusterRecord } from './connection.ts';
export { kubeconfigPaths, loadKubeconfig } from './kubeconfig.ts';
export type { LoadedKubeconfig } from './kubeconfig.ts';
export type { ClusterEndpoint, ConnectionOptions } from './connection.ts';
export { reconcileObjects } from './reconcile.ts';
export type { ReconcileResult, FailureReason } from './reconcile.ts';
export { requestFromKustomization, serviceAccountUser } from './request.ts';
export type { ReconcileRequest } from './request.ts';
export { diffObjects } from './diff.ts';
export { detectDrift, checkDrift, listOwnedObjects, ownersSelector } from './drift.ts';
export type { DriftResult, DriftedObject, DriftTarget, DriftFinding, TargetDrift, CheckDriftOptions } from './drift.ts';
export { fieldDrifts } from './field-drift.ts';
export type { FieldDrift, FieldDriftList } from './field-drift.ts';
export type { DiffResult, ObjectDiff } from './diff.ts';
export { pruneObjects, ALREADY_GONE } from './delete.ts';
export { finalizeKustomization, finalizeRequestFromKustomization } from './finalize.ts';
export { applyIgnoreRules, compileIgnoreRules } from './ignore.ts';
export type { IgnoreRule, IgnoreRules, IgnoreTarget } from './ignore.ts';
export type { DeletionPolicy, FinalizeRequest, FinalizeResult } from './finalize.ts';
export { computeHealth, waitForReady } from './wait.ts';
export type { HealthStatus, WaitResult } from './wait.ts';
export { compileHealthCheckExprs, evaluateHealthExprs } from './health-exprs.ts';
export type { ExprHealth, HealthCheckExpr, HealthCheckRules, HealthEvaluator } from './health-exprs.ts';
export { summarizeChangeSet, formatChangeSet, formatCounts, hasChanges } from './changeset.ts';
export type { ChangeSet, ChangeSetEntry, ObjectError } from './changeset.ts';
export {
  readInventory,
  parseInventory,
  writeInventory,
  deleteInventory,
  assertNotStale,
  inventoryName,
  INVENTORY_NAMESPACE,
  StaleRevisionError,
  EmptyBundleError,
} from './inventory.ts';
export type { Inventory, InventoryEntry } from './inventory.ts';
export { maskSecret, maskSecretPair, MASK } from './mask.ts';
export * from './objects.ts';
export type { ApplyContext } from './context.ts';
