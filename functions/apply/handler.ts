/**
 * apply: ManifestsRendered events from an SQS FIFO queue (message group = cluster/Kustomization,
 * so one apply at a time per pair), each applied with the engine in shared/pipeline. A record
 * whose cluster could not be reached is a batch item failure: SQS redelivers it, and the group
 * waits, so a newer bundle never overtakes it.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { instrument, observability } from '#functions/commons/index.ts';
import { clusterDeps } from '#shared/adapters/aws/cluster-deps.ts';
import { awsPipelineContext, coreDeps } from '#shared/adapters/aws/pipeline-deps.ts';
import { readPipelineEnvironment } from '#shared/config/environment/pipeline.ts';
import { parseEvent } from '#shared/events/parse.ts';
import type { ApplyDeps } from '#shared/pipeline/deps.ts';
import { applyRendered } from '#shared/pipeline/apply.ts';

const tools = observability('apply');
const { logger } = tools;
const context = awsPipelineContext(readPipelineEnvironment(process.env), logger, tools.traced);
const deps: ApplyDeps = { ...coreDeps(context), ...clusterDeps(context) };

/** Applies each record in order; reports the ones to redeliver. */
export const handler = instrument(tools, async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    if (batchItemFailures.length > 0) {
      batchItemFailures.push({ itemIdentifier: record.messageId }); // FIFO: nothing after a failure runs first
      continue;
    }
    const detail = parseEvent('ManifestsRendered', JSON.parse(record.body)).detail;
    logger.setCorrelationId(detail.correlationId); // per record: a batch may serve several deliveries
    deps.fleet.invalidate();
    const outcome = await applyRendered(detail, deps).catch(() => ({ outcome: 'unreachable' as const }));
    if (outcome.outcome === 'unreachable') batchItemFailures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures };
});
