/**
 * The alerts function: catalog events in (SQS batch or EventBridge), notifications out.
 * Configuration and clients are built once per container; the work is in `#shared/alerts`.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { parseAnyEvent } from '#shared/events/parse.ts';
import { dispatchOrThrow } from '#shared/alerts/dispatch.ts';
import { handleAlertQueue, isSqsEvent, loadAlertDeps, parseAlertsEnvironment } from '#shared/alerts/runtime.ts';

const deps = await loadAlertDeps(parseAlertsEnvironment(process.env));

/** SQS records get partial batch failures; a direct EventBridge event fails as a whole. */
export const handler = async (input: unknown): Promise<SQSBatchResponse | void> => {
  if (isSqsEvent(input)) return handleAlertQueue(input, deps);
  await dispatchOrThrow(parseAnyEvent(input), deps);
};
