/**
 * What the drift sweep needs from the outside (ports only) and its settings. The drift function
 * wires AWS adapters into it, local mode and the command line the local ones.
 */
import type { ConnectionOptions } from '#shared/kube/index.ts';
import type { ArtifactStore, Clock, ClusterRegistry, EventBus, Logger, StatusStore } from '#shared/ports/index.ts';
import type { FleetStore } from '#shared/pipeline/fleet-store.ts';

export interface DriftDeps {
  bus: EventBus;
  artifacts: ArtifactStore;
  status: StatusStore;
  clusters: ClusterRegistry;
  fleet: FleetStore;
  clock: Clock;
  logger: Logger;
  /** How cluster credentials may be used (exec allow-list, insecure clusters). */
  connection?: ConnectionOptions;
}

/** How a sweep spreads its work. */
export interface DriftSettings {
  /** Clusters per shard: one drift invocation checks at most this many (default 25, at most 200). */
  shardSize: number;
  /** Clusters checked at once within a shard (default 10). */
  concurrency: number;
  /** Time one cluster's check may take before it is reported Timeout (default 20 s). */
  clusterDeadlineMs: number;
}

/** The defaults of {@link DriftSettings}. */
export const DEFAULT_DRIFT_SETTINGS: DriftSettings = { shardSize: 25, concurrency: 10, clusterDeadlineMs: 20_000 };
