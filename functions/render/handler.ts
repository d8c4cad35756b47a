/**
 * render: on SourceChanged renders every Kustomization that follows the source (or fans out in
 * RenderRequested shards), stores the bundles in S3 and emits ManifestsRendered / RenderFailed;
 * on a reconcile request for a Kustomization it renders that one. The work is in shared/pipeline.
 */
import { eventCorrelationId, instrument, observability } from '#functions/commons/index.ts';
import { clusterDeps } from '#shared/adapters/aws/cluster-deps.ts';
import { gitDeps } from '#shared/adapters/aws/git-deps.ts';
import { kmsDeps } from '#shared/adapters/aws/kms-deps.ts';
import { awsPipelineContext, coreDeps } from '#shared/adapters/aws/pipeline-deps.ts';
import { readPipelineEnvironment } from '#shared/config/environment/pipeline.ts';
import { parseAnyEvent } from '#shared/events/parse.ts';
import type { RenderDeps } from '#shared/pipeline/deps.ts';
import { handleKustomizationRequest, handleRenderRequested, handleSourceChanged } from '#shared/pipeline/render.ts';

const tools = observability('render');
const { logger } = tools;
const context = awsPipelineContext(readPipelineEnvironment(process.env), logger, tools.traced);
const deps: RenderDeps = { ...coreDeps(context), ...gitDeps(context), ...clusterDeps(context), ...kmsDeps(context) };

/** One EventBridge event per invocation. */
export const handler = instrument(
  tools,
  async (input: unknown): Promise<void> => {
    const event = parseAnyEvent(input);
    deps.fleet.invalidate(); // another invocation may have changed the snapshot since this container last read it
    if (event.detailType === 'SourceChanged') return handleSourceChanged(event.detail, deps);
    if (event.detailType === 'RenderRequested') return handleRenderRequested(event.detail, deps);
    if (event.detailType === 'ReconcileRequested' && event.detail.object.kind === 'Kustomization') return handleKustomizationRequest(event.detail, deps);
    logger.warn('event not for the render function', { detailType: event.detailType });
  },
  { correlationId: eventCorrelationId },
);
