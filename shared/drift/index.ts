/**
 * Drift detection and correction across the fleet: the scheduled sweep ({@link startDriftSweep}),
 * its shards ({@link runDriftShard}), one cluster's check ({@link checkCluster}) and the drift
 * mode of a Kustomization ({@link driftModeOf}). The comparison itself is `checkDrift` of
 * `shared/kube`.
 */
export { startDriftSweep, shardClusters } from './sweep.ts';
export type { SweepStarted } from './sweep.ts';
export { runDriftShard } from './shard.ts';
export type { ShardReport, ShardOptions } from './shard.ts';
export { checkCluster, closeDriftClients, reasonOf } from './cluster.ts';
export type { ClusterDrift, KustomizationDrift, ClusterCheckOptions } from './cluster.ts';
export { driftModeOf, DRIFT_ANNOTATION } from './mode.ts';
export { boundedDrift, MAX_EVENT_BYTES, MAX_EVENT_OBJECTS } from './bound.ts';
export { DEFAULT_DRIFT_SETTINGS } from './deps.ts';
export type { DriftDeps, DriftSettings } from './deps.ts';
export { driftMetrics } from './metrics.ts';
export type { DriftMetric } from './metrics.ts';
