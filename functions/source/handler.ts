/**
 * source: resolves the refs the fleet follows. On GitPushReceived (a webhook) and on a reconcile
 * request for a GitRepository it syncs the sources named; on its schedule (EventBridge Scheduler)
 * it runs what is due — sources at their interval, Kustomizations at theirs. A moved ref emits
 * SourceChanged. Everything but the wiring lives in shared/pipeline.
 */
import { eventCorrelationId, instrument, observability } from '#functions/commons/index.ts';
import { gitDeps } from '#shared/adapters/aws/git-deps.ts';
import { awsPipelineContext, coreDeps } from '#shared/adapters/aws/pipeline-deps.ts';
import { readPipelineEnvironment } from '#shared/config/environment/pipeline.ts';
import { parseAnyEvent } from '#shared/events/parse.ts';
import type { SourceDeps } from '#shared/pipeline/deps.ts';
import { runSchedule } from '#shared/pipeline/schedule.ts';
import { handleGitPush, syncSources } from '#shared/pipeline/source.ts';
import { sourcesNamed } from '#shared/pipeline/fleet-view.ts';

const tools = observability('source');
const { logger } = tools;
const context = awsPipelineContext(readPipelineEnvironment(process.env), logger, tools.traced);
const deps: SourceDeps = { ...coreDeps(context), ...gitDeps(context) };

/** A scheduled invocation carries no catalog event; anything else must be one. */
export const handler = instrument(
  tools,
  async (input: { 'detail-type'?: string }): Promise<unknown> => {
    if (input['detail-type'] === 'Scheduled Event' || input['detail-type'] === undefined) return runSchedule(deps);
    const event = parseAnyEvent(input);
    if (event.detailType === 'GitPushReceived') return handleGitPush(event.detail, deps);
    if (event.detailType === 'ReconcileRequested' && event.detail.object.kind === 'GitRepository') {
      const sources = sourcesNamed(await deps.fleet.load(), deps.bootstrap, event.detail.object, event.detail.cluster);
      return syncSources(sources, deps, { correlationId: event.detail.correlationId, force: true });
    }
    logger.warn('event not for the source function', { detailType: event.detailType });
    return undefined;
  },
  { correlationId: eventCorrelationId },
);
