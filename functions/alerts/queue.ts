/**
 * The alerts function's inputs: catalog events either from an SQS queue (the EventBridge rule's
 * target, which gives a DLQ and partial batch failures) or directly from an EventBridge rule. A
 * record whose deliveries failed is reported as a batch item failure: SQS redelivers it (dedup
 * makes the Alerts that already succeeded a no-op), and after the queue's receive limit it lands
 * in the DLQ.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dispatchOrThrow, type AlertDeps } from '#shared/alerts/dispatch.ts';
import { errorMessage } from '#shared/errors/index.ts';
import { parseAnyEvent } from '#shared/events/parse.ts';

/** Handles an SQS batch of catalog events, reporting the records to redeliver. */
export async function handleAlertQueue(event: SQSEvent, deps: AlertDeps): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await dispatchOrThrow(parseAnyEvent(record.body), deps);
    } catch (error) {
      deps.logger?.warn('alert record failed', { messageId: record.messageId, error: errorMessage(error) });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

/** True when the Lambda input is an SQS batch rather than a bare EventBridge event. */
export function isSqsEvent(input: unknown): input is SQSEvent {
  return Array.isArray((input as { Records?: unknown } | null)?.Records);
}
