/**
 * The sweep's metrics and settings. Each shard reports clusters checked, unreachable, drifted and
 * corrected objects, duration and API requests; the drift function publishes them as CloudWatch
 * EMF metrics (Powertools Metrics), local mode prints them in the live log.
 */
import { InvalidInputError } from '#shared/errors/index.ts';
import { DEFAULT_DRIFT_SETTINGS, type DriftSettings } from './deps.ts';
import type { ShardReport } from './shard.ts';

/** One metric of a shard. */
export interface DriftMetric {
  name: 'ClustersChecked' | 'ClustersUnreachable' | 'DriftedObjects' | 'CorrectedObjects' | 'SweepShardDuration' | 'ApiRequests';
  unit: 'Count' | 'Milliseconds';
  value: number;
}

/** The metrics of one shard's report. */
export function driftMetrics(report: ShardReport): DriftMetric[] {
  return [
    { name: 'ClustersChecked', unit: 'Count', value: report.checked },
    { name: 'ClustersUnreachable', unit: 'Count', value: report.unreachable },
    { name: 'DriftedObjects', unit: 'Count', value: report.driftedObjects },
    { name: 'CorrectedObjects', unit: 'Count', value: report.corrected },
    { name: 'SweepShardDuration', unit: 'Milliseconds', value: report.durationMs },
    { name: 'ApiRequests', unit: 'Count', value: report.apiRequests },
  ];
}

function wholeNumber(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) throw new InvalidInputError(`environment variable ${name} must be a whole number from ${min} to ${max}`);
  return Number(text);
}

/**
 * The sweep's settings from the environment: `TIDELINE_DRIFT_SHARD_SIZE` (clusters per shard,
 * 1–200, default 25), `TIDELINE_DRIFT_CONCURRENCY` (clusters at once per shard, 1–100, default 10),
 * `TIDELINE_DRIFT_CLUSTER_DEADLINE_MS` (one cluster's check, 1000–600000, default 20000). A bad
 * value fails the cold start, naming the variable.
 */
export function readDriftSettings(env: Readonly<Record<string, string | undefined>>): DriftSettings {
  return {
    shardSize: wholeNumber(env, 'TIDELINE_DRIFT_SHARD_SIZE', DEFAULT_DRIFT_SETTINGS.shardSize, 1, 200),
    concurrency: wholeNumber(env, 'TIDELINE_DRIFT_CONCURRENCY', DEFAULT_DRIFT_SETTINGS.concurrency, 1, 100),
    clusterDeadlineMs: wholeNumber(env, 'TIDELINE_DRIFT_CLUSTER_DEADLINE_MS', DEFAULT_DRIFT_SETTINGS.clusterDeadlineMs, 1_000, 600_000),
  };
}
