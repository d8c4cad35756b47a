/**
 * Settings of the drift function, read once at cold start: the pipeline's environment (bus,
 * bucket, status table, secrets prefix) plus the sweep's own variables. A bad value fails the cold
 * start with an InvalidInputError naming the variable.
 */
import type { DriftSettings } from '#shared/drift/deps.ts';
import { DEFAULT_DRIFT_SETTINGS } from '#shared/drift/deps.ts';
import { readPipelineEnvironment, type PipelineEnvironment } from './pipeline.ts';
import { wholeNumberVariable, type EnvironmentVariables } from './variables.ts';

export interface DriftEnvironment {
  pipeline: PipelineEnvironment;
  /**
   * `TIDELINE_DRIFT_SHARD_SIZE` (clusters per shard, 1–200, default 25),
   * `TIDELINE_DRIFT_CONCURRENCY` (clusters checked at once per shard, 1–100, default 10),
   * `TIDELINE_DRIFT_CLUSTER_DEADLINE_MS` (one cluster's check, 1000–600000 ms, default 20000).
   */
  settings: DriftSettings;
}

/** Reads and validates the drift function's environment. */
export function readDriftEnvironment(env: EnvironmentVariables): DriftEnvironment {
  return {
    pipeline: readPipelineEnvironment(env),
    settings: {
      shardSize: wholeNumberVariable(env, 'TIDELINE_DRIFT_SHARD_SIZE', { fallback: DEFAULT_DRIFT_SETTINGS.shardSize, min: 1, max: 200 }),
      concurrency: wholeNumberVariable(env, 'TIDELINE_DRIFT_CONCURRENCY', { fallback: DEFAULT_DRIFT_SETTINGS.concurrency, min: 1, max: 100 }),
      clusterDeadlineMs: wholeNumberVariable(env, 'TIDELINE_DRIFT_CLUSTER_DEADLINE_MS', {
        fallback: DEFAULT_DRIFT_SETTINGS.clusterDeadlineMs,
        min: 1_000,
        max: 600_000,
        unit: 'milliseconds',
      }),
    },
  };
}
