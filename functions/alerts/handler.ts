/**
 * The alerts function: catalog events in (SQS batch or EventBridge), notifications out.
 * Configuration and clients are built once per container; the Alerts and Providers come from the
 * fleet snapshot (a commit changes them) over the bootstrap directory. The work is in `#shared/alerts`.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { eventCorrelationId, instrument, observability } from '#functions/commons/index.ts';
import { dispatchOrThrow } from '#shared/alerts/dispatch.ts';
import { readAlertsEnvironment } from '#shared/config/environment/alerts.ts';
import { parseAnyEvent } from '#shared/events/parse.ts';
import { alertConfiguration, loadAlertDeps } from './deps.ts';
import { handleAlertQueue, isSqsEvent } from './queue.ts';

const environment = readAlertsEnvironment(process.env);
const tools = observability('alerts');
const deps = await loadAlertDeps(environment, tools);
const currentConfig = await alertConfiguration(environment, tools);

/** SQS records get partial batch failures; a direct EventBridge event fails as a whole. */
export const handler = instrument(
  tools,
  async (input: unknown): Promise<SQSBatchResponse | void> => {
    const current = { ...deps, config: await currentConfig() };
    if (isSqsEvent(input)) return handleAlertQueue(input, current);
    await dispatchOrThrow(parseAnyEvent(input), current);
  },
  { correlationId: eventCorrelationId },
); // an SQS batch has none of its own: each delivery's log line carries its event's
