/**
 * drift: the scheduled drift sweep. On its schedule (EventBridge Scheduler, a `Scheduled Event`
 * input) it lists the registered clusters and fans them out in DriftCheckRequested shards over
 * the bus; on a shard it checks those clusters (bounded concurrency, a deadline each), emits
 * DriftDetected / DriftCorrected / ClusterUnreachable and publishes the shard's metrics as EMF.
 * Everything but the wiring lives in shared/drift.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { eventCorrelationId, instrument, observability } from '#functions/commons/index.ts';
import { clusterDeps } from '#shared/adapters/aws/cluster-deps.ts';
import { awsPipelineContext, coreDeps } from '#shared/adapters/aws/pipeline-deps.ts';
import { readDriftEnvironment } from '#shared/config/environment/drift.ts';
import type { DriftDeps } from '#shared/drift/deps.ts';
import { driftMetrics, runDriftShard, startDriftSweep } from '#shared/drift/index.ts';
import { parseEvent } from '#shared/events/parse.ts';

const tools = observability('drift');
const { logger, metrics } = tools;
const { pipeline, settings } = readDriftEnvironment(process.env);
const context = awsPipelineContext(pipeline, logger, tools.traced);
const deps: DriftDeps = { ...coreDeps(context), ...clusterDeps(context) };

/** A scheduled invocation starts a sweep; anything else must be one of its shards. */
export const handler = instrument(
  tools,
  async (input: { 'detail-type'?: string }): Promise<unknown> => {
    if (input['detail-type'] === 'Scheduled Event' || input['detail-type'] === undefined) return startDriftSweep(deps, settings);
    const detail = parseEvent('DriftCheckRequested', input).detail;
    const { results, ...report } = await runDriftShard(detail, deps, settings);
    metrics.addMetadata('sweepId', detail.sweepId);
    metrics.addMetadata('shard', `${detail.shard.index + 1}/${detail.shard.count}`);
    for (const metric of driftMetrics({ ...report, results })) metrics.addMetric(metric.name, MetricUnit[metric.unit], metric.value);
    return report;
  },
  { correlationId: eventCorrelationId },
);
