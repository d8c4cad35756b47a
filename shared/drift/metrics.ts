/**
 * The sweep's metrics. Each shard reports clusters checked, unreachable, drifted and
 * corrected objects, duration and API requests; the drift function publishes them as CloudWatch
 * EMF metrics (Powertools Metrics), local mode prints them in the live log.
 */
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
